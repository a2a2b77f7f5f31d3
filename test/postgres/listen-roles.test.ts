/**
 * Which processes hold a LISTEN connection: only those with a loop to wake (worker or
 * scheduler role). A process that only enqueues, or serves the API, listens to nothing, so
 * it is not woken by every run started or ended elsewhere, and its enqueues still wake the
 * workers of other processes at once.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { createHourglass, defineJob, type Hourglass } from '../../src/index.js';
import type { HourglassConfigInput } from '../../src/config/schema.js';
import { silentLogger } from '../../src/logger.js';
import { testDatabaseUrl, uniqueSchemaName } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

const started: Hourglass[] = [];
let schema = '';

afterEach(async () => {
  for (const hourglass of started.splice(0)) await hourglass.stop();
  const admin = createHourglass({ databaseUrl: testDatabaseUrl(), schema, logLevel: 'silent', worker: { enabled: false }, scheduler: { enabled: false } }, { logger: silentLogger });
  const runtime = await admin.ready();
  await runtime.db.query(`drop schema if exists "${schema}" cascade`);
  await admin.stop();
});

function open(config: Partial<HourglassConfigInput>): Hourglass {
  const hourglass = createHourglass({ databaseUrl: testDatabaseUrl(), schema, logLevel: 'silent', ...config } as HourglassConfigInput, { logger: silentLogger });
  started.push(hourglass);
  return hourglass;
}

/** Server processes whose last statement was a LISTEN on this schema's channel. */
async function listeners(hourglass: Hourglass): Promise<number> {
  const runtime = await hourglass.ready();
  const { rows } = await runtime.db.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where query = $1`, [`listen "${runtime.schema.channel}"`]);
  return rows[0]!.n;
}

describe('LISTEN by role', () => {
  test('a process without a worker or scheduler listens to nothing, and its enqueue wakes a worker elsewhere at once', async () => {
    schema = uniqueSchemaName();
    const handled: string[] = [];
    const echo = defineJob<{ tag: string }>({ name: 'echo', run: (ctx) => void handled.push(ctx.payload.tag) });
    // Polls once a minute: only a NOTIFY can start the run within the wait below.
    const worker = open({ jobs: [echo], scheduler: { enabled: false }, worker: { enabled: true, pollMs: 60_000 } });
    await worker.start();
    await waitFor(async () => (await listeners(worker)) === 1, { message: "the worker's LISTEN" });

    const producer = open({ jobs: [echo], scheduler: { enabled: false }, worker: { enabled: false } });
    await producer.runs.enqueue({ jobType: 'echo', payload: { tag: 'woken' } });
    await waitFor(() => handled.includes('woken'), { timeoutMs: 10_000, message: 'the run started by the NOTIFY' });
    expect(await listeners(producer)).toBe(1);

    await worker.stop();
    await waitFor(async () => (await listeners(producer)) === 0, { message: "the worker's LISTEN to end" });
  });
});
