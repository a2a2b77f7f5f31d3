/**
 * A worker whose statements fail (SPEC §4 "database outages"): it says once that the database
 * is gone and once that it is back, and only after a statement succeeded again; meanwhile it
 * keeps trying to claim whenever it has room.
 *
 * The outage is the worker's schema renamed away: every statement of the worker fails, while
 * the test's own connections stay usable. The runs' ends, which cannot be written meanwhile,
 * wait in the worker's outcome writer. The second test also holds row locks, which needs a
 * second server process and so PostgreSQL.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createDeferred, type Deferred } from '../helpers/deferred.js';
import { waitFor } from '../helpers/wait.js';

const env = setupTestDatabase();

/** Handlers wait on the gate named by their payload; every gate opens after each test. */
const gates = new Map<string, Deferred>();
const gate = (name: string) => gates.get(name) ?? gates.set(name, createDeferred()).get(name)!;
const started = new Set<string>();
afterEach(() => {
  for (const open of gates.values()) open.resolve();
  gates.clear();
  started.clear();
});

const held = defineJob<{ gate: string }>({
  name: 'held',
  async run(ctx) {
    started.add(ctx.payload.gate);
    await gate(ctx.payload.gate).promise;
  },
});

/** Enqueues a run of `held` that waits on the gate `gateName`. */
const enqueue = async (hg: Hourglass, gateName: string) => (await hg.runs.enqueue({ jobType: 'held', payload: { gate: gateName } })).id;

/**
 * The file's database, counting the claims that failed: the claim is the only statement that
 * counts an attempt.
 */
function countingFailedClaims(db: Database): { db: Database; failedClaims(): number } {
  let failed = 0;
  const query: Database['query'] = <Row,>(sql: string, params?: readonly unknown[]) =>
    db.query<Row>(sql, params).catch((error: unknown) => {
      if (sql.includes('attempt = r.attempt + 1')) failed += 1;
      throw error;
    });
  return { db: { ...db, query }, failedClaims: () => failed };
}

/** `db:connection:*` events of the worker's claim loop, in order. */
function workerConnectionEvents(hg: Hourglass): string[] {
  const events: string[] = [];
  hg.on('db:connection:lost', ({ loop }) => loop === 'worker' && events.push('lost'));
  hg.on('db:connection:restored', ({ loop }) => loop === 'worker' && events.push('restored'));
  return events;
}

/** Renames the schema away while `during` runs, and back whatever happens. */
async function withSchemaAway(hg: Hourglass, during: () => Promise<void>): Promise<void> {
  const schema = hg.config.schema;
  await env.db().query(`alter schema "${schema}" rename to "${schema}_away"`);
  try {
    await during();
  } finally {
    await env.db().query(`alter schema "${schema}_away" rename to "${schema}"`);
  }
}

async function waitForCompleted(hg: Hourglass, ids: string[]): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await env.db().query<{ n: number }>(`select count(*)::int as n from "${hg.config.schema}".job_runs where id = any($1::uuid[]) and status = 'completed'`, [ids]);
      return rows[0]!.n === ids.length;
    },
    { timeoutMs: 30_000, message: `${ids.length} runs to complete` },
  );
}

// Room for 2 runs; claims pause while 2 + 0 + 1 outcomes wait to be written.
const worker = { enabled: true, concurrency: 2, prefetch: 0, batchSize: 1, leaseMs: 60_000 };

describe('a worker whose database fails', () => {
  test('keeps claiming while the ends of its runs wait to be written, and reports the outage and the recovery once each', async () => {
    const counting = countingFailedClaims(env.db());
    const hg = await env.create({ jobs: [held], worker }, { database: counting.db });
    const events = workerConnectionEvents(hg);
    const ids = [await enqueue(hg, 'a'), await enqueue(hg, 'b')];
    await hg.start();
    await waitFor(() => started.size === 2, { message: 'both runs to start' });

    await withSchemaAway(hg, async () => {
      // Both handlers end; their outcomes fail to be written and are retried with backoff.
      gate('a').resolve();
      gate('b').resolve();
      // Two waiting outcomes leave the worker room to claim. Counted twice during the writer's
      // backoff, they reached the pause (3): the worker stopped claiming, and said the database
      // was back without asking it.
      await waitFor(() => counting.failedClaims() >= 3, { timeoutMs: 10_000, message: 'the worker to keep trying to claim' });
      expect(events).toEqual(['lost']);
    });

    await waitForCompleted(hg, ids);
    await waitFor(() => events.length === 2, { message: 'the worker to report the recovery' });
    expect(events).toEqual(['lost', 'restored']);
  });

  test('with no room to claim during the outage, says the database is back only after a claim succeeded', async () => {
    const counting = countingFailedClaims(env.db());
    const hg = await env.create({ jobs: [held], worker }, { database: counting.db });
    const events = workerConnectionEvents(hg);
    const [a, b] = [await enqueue(hg, 'a'), await enqueue(hg, 'b')];
    await hg.start();
    await waitFor(() => started.size === 2, { message: 'a and b to start' });
    const c = await enqueue(hg, 'c');

    // The rows of a and b locked: their outcomes wait, unwritten, while c is claimed.
    const unlock = createDeferred();
    const locked = createDeferred();
    const holding = env.db().transaction(async (tx) => {
      await tx.query(`select from "${hg.config.schema}".job_runs where id = any($1::uuid[]) for update`, [[a, b]]);
      locked.resolve();
      await unlock.promise;
    });
    try {
      await locked.promise;
      gate('a').resolve();
      gate('b').resolve();
      await waitFor(() => started.has('c'), { message: 'c to start' });

      await withSchemaAway(hg, async () => {
        await waitFor(() => counting.failedClaims() >= 1, { message: 'a claim to fail' });
        // c ends: three outcomes wait, so the worker has nothing to claim until one is written.
        gate('c').resolve();
        // Nothing to wait for here: the fault was a recovery reported at the claim loop's next
        // turn, at most 250 ms after the failure. Three times that passes without one.
        await new Promise((resolve) => setTimeout(resolve, 750));
        expect(events).toEqual(['lost']);
      });
    } finally {
      unlock.resolve();
      await holding;
    }

    await waitForCompleted(hg, [a, b, c]);
    await waitFor(() => events.length === 2, { message: 'the worker to report the recovery' });
    expect(events).toEqual(['lost', 'restored']);
  });
});
