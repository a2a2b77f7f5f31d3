/**
 * Runs that become claimable later (SPEC §4: `run_after`, retries with backoff) start when they
 * become claimable, not at an idle worker's next poll. The workers here poll every ten minutes,
 * so a run that starts within a test's deadline was started by the instant the worker was told
 * of (`src/worker/due-times.ts`). An idle worker claims once per run another process
 * enqueues: wakes that cannot have made runs claimable ask for no claim. And what the workers
 * are told: the NOTIFY payloads.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import type { Database } from '../../src/db/database.js';
import type { Hourglass } from '../../src/hourglass.js';
import { createTestClock } from '../helpers/clock.js';
import { setupTestDatabase } from '../helpers/db.js';
import { setupSiblings } from '../helpers/siblings.js';
import { waitFor, waitForRunStatus } from '../helpers/wait.js';

const env = setupTestDatabase();
const siblings = setupSiblings(env);

const POLL_MS = 600_000;
/** How far ahead the delayed runs are due: far enough to be enqueued well before. */
const DELAY_MS = 400;

const noop = defineJob({ name: 'noop', async run() {} });
const failsOnce = defineJob({
  name: 'fails-once',
  maxAttempts: 2,
  async run(ctx) {
    if (ctx.attempt === 1) throw new Error('first attempt refused');
  },
});

async function startIdleWorker(): Promise<Hourglass> {
  const hg = await env.create({ jobs: [noop, failsOnce], worker: { enabled: true, pollMs: POLL_MS, retryBaseMs: DELAY_MS, retryMaxMs: DELAY_MS } });
  await hg.start();
  return hg;
}

describe('an idle worker wakes when runs become claimable', () => {
  test('a run enqueued for later starts once its run_after has passed', async () => {
    const hg = await startIdleWorker();
    const run = await hg.runs.enqueue({ jobType: 'noop', runAfter: new Date(Date.now() + DELAY_MS) });
    const done = await waitForRunStatus(hg, run.id, ['completed'], 10_000);
    expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(run.runAfter.getTime());
  });

  test('of a bulk enqueue, the runs due now start at once and the later one at its run_after', async () => {
    const hg = await startIdleWorker();
    const later = new Date(Date.now() + DELAY_MS);
    const [now, delayed] = await hg.runs.enqueueMany([{ jobType: 'noop' }, { jobType: 'noop', runAfter: later }]);
    await waitForRunStatus(hg, now!, ['completed'], 10_000);
    const done = await waitForRunStatus(hg, delayed!, ['completed'], 10_000);
    expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(later.getTime());
  });

  test('a failed attempt is retried once its backoff has passed', async () => {
    const hg = await startIdleWorker();
    const run = await hg.runs.enqueue({ jobType: 'fails-once' });
    expect(await waitForRunStatus(hg, run.id, ['completed'], 10_000)).toMatchObject({ attempt: 2 });
  });

  test("a delayed enqueue in the worker's own process does not wake it before the run is due", async () => {
    const claims = countClaims(env.db());
    const started: number[] = [];
    const recorded = defineJob({ name: 'recorded', run: () => void started.push(claims.sent) });
    const hg = await env.create({ jobs: [recorded], worker: { enabled: true, pollMs: POLL_MS } }, { database: claims.database });
    await hg.start();
    await waitFor(() => claims.answered >= 1 && claims.sent === claims.answered, { message: 'the first claim of the started worker' });
    const before = claims.sent;
    await hg.runs.enqueue({ jobType: 'recorded', runAfter: new Date(Date.now() + DELAY_MS) });
    await waitFor(() => started.length === 1, { message: 'the delayed run to start', timeoutMs: 10_000 });
    // One claim, at the run's instant: none at the enqueue, which would find nothing.
    expect(started[0]! - before).toBe(1);
  });

  test('an idle worker claims once per run another process enqueues: a freed slot or a written end asks for no claim', async () => {
    const claims = countClaims(env.db());
    const hg = await env.create({ jobs: [noop], worker: { enabled: true, pollMs: POLL_MS } }, { database: claims.database });
    const producer = await siblings.create(hg, { jobs: [noop] });
    await hg.start();
    await waitFor(() => claims.answered >= 1 && claims.sent === claims.answered, { message: 'the first claim of the started worker' });
    const before = claims.sent;
    for (let index = 0; index < 5; index += 1) {
      const run = await producer.runs.enqueue({ jobType: 'noop' });
      await waitForRunStatus(hg, run.id, ['completed'], 10_000);
    }
    expect(claims.sent - before).toBe(5);
  });

  test('several delayed runs each start at their own instant', async () => {
    const hg = await startIdleWorker();
    const base = Date.now() + DELAY_MS;
    // Enqueued latest first: each new one is the earliest the worker knows of.
    const runs = [];
    for (const offset of [600, 300, 0]) runs.push(await hg.runs.enqueue({ jobType: 'noop', runAfter: new Date(base + offset) }));
    for (const run of runs) {
      const done = await waitForRunStatus(hg, run.id, ['completed'], 10_000);
      expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(run.runAfter.getTime());
    }
  });
});

/** The worker's claims through `db`: sent, and answered. */
function countClaims(db: Database) {
  const counts = { sent: 0, answered: 0 };
  const database: Database = {
    ...db,
    async query(sql, params) {
      const claim = CLAIM.test(sql);
      if (claim) counts.sent += 1;
      try {
        return await db.query(sql, params);
      } finally {
        if (claim) counts.answered += 1;
      }
    },
  };
  return Object.assign(counts, { database });
}

/** What only a claim's statement writes (`db/queries/claim-runs.ts`). */
const CLAIM = /attempt = r\.attempt \+ 1/;

describe('what workers are told', () => {
  const unlistens: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const unlisten of unlistens.splice(0)) await unlisten();
  });

  /** The payloads on the instance's channel, as a listening worker receives them. */
  async function listenTo(hg: Hourglass): Promise<string[]> {
    const payloads: string[] = [];
    const { schema } = await hg.ready();
    unlistens.push(await env.db().listen(schema.channel, (payload) => payloads.push(payload)));
    return payloads;
  }

  test('an enqueue says runs now, or the instant its runs become claimable', async () => {
    const hg = await env.create({ jobs: [noop] });
    const payloads = await listenTo(hg);
    await hg.runs.enqueue({ jobType: 'noop' });
    await waitFor(() => payloads.length === 1, { message: 'the first notification' });
    const at = new Date(Date.now() + 60_000);
    await hg.runs.enqueue({ jobType: 'noop', runAfter: at });
    await waitFor(() => payloads.length === 2, { message: 'the second notification' });
    // A bulk enqueue with runs due now and later: both, the earliest later instant only.
    await hg.runs.enqueueMany([{ jobType: 'noop' }, { jobType: 'noop', runAfter: new Date(at.getTime() + 1000) }, { jobType: 'noop', runAfter: at }]);
    await waitFor(() => payloads.length === 4, { message: 'the bulk notifications' });
    expect(payloads.slice(0, 2)).toEqual(['runs', `runs@${at.getTime()}`]);
    expect(payloads.slice(2).sort()).toEqual(['runs', `runs@${at.getTime()}`]);
  });

  test('the end of a run says runs only when it may make others claimable', async () => {
    const capped = defineJob({ name: 'capped', concurrency: 1, async run() {} });
    const hg = await env.create({ jobs: [noop, capped], worker: { enabled: true, pollMs: POLL_MS } });
    const schedule = await hg.schedules.create({ name: 'daily', jobType: 'noop', cronExpression: '0 3 * * *' });
    await hg.start();
    const payloads = await listenTo(hg);
    // NOTIFYs arrive in commit order: a marker enqueued after an end has been seen comes after
    // that end's payload, if it sent one.
    const afterEnd = async (enqueue: () => Promise<string>) => {
      await waitForRunStatus(hg, await enqueue(), ['completed'], 10_000);
      const at = new Date(Date.now() + 3_600_000);
      const marker = `runs@${at.getTime()}`;
      await hg.runs.enqueue({ jobType: 'noop', runAfter: at });
      await waitFor(() => payloads.includes(marker), { message: `the marker ${marker}` });
      return payloads.splice(0).slice(0, -1);
    };
    // A run enqueued alone: its end frees nothing another run waits for.
    expect(await afterEnd(async () => (await hg.runs.enqueue({ jobType: 'noop' })).id)).toEqual(['runs']);
    // A run of a job type capped cluster-wide, and a run of a schedule (runs may queue behind it).
    expect(await afterEnd(async () => (await hg.runs.enqueue({ jobType: 'capped' })).id)).toEqual(['runs', 'runs']);
    expect(await afterEnd(async () => (await hg.schedules.trigger(schedule.id)).runs[0]!.id)).toEqual(['runs', 'runs']);
  });

  test('a jittered slot says the instant its run becomes claimable', async () => {
    const clock = createTestClock('2026-04-01T08:00:30Z');
    const hg = await env.create({ jobs: [noop] }, { clock, random: () => 0.5 });
    const payloads = await listenTo(hg);
    await hg.schedules.create({ name: 'jittered', jobType: 'noop', cronExpression: '* * * * *', jitterSeconds: 30 });
    clock.set('2026-04-01T08:01:00Z');
    expect((await hg.tick()).runs).toBe(1);
    const runAfter = Date.parse('2026-04-01T08:01:15Z');
    await waitFor(() => payloads.includes(`runs@${runAfter}`), { message: `runs@${runAfter} among ${payloads.join(', ')}` });
    expect(payloads).not.toContain('runs');
  });
});
