/**
 * The worker's batched hot path (docs/performance.md): claims of many runs per statement, a
 * local queue of prefetched runs, and outcomes written in batches. Every run still ends exactly
 * once, queued runs a stopping worker never started go back untouched, and `started_at` is the
 * handler's start, not the claim.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createDeferred, type Deferred } from '../helpers/deferred.js';
import { setupSiblings } from '../helpers/siblings.js';
import { waitFor } from '../helpers/wait.js';

const env = setupTestDatabase();
const siblings = setupSiblings(env);

let gates: Deferred[] = [];
afterEach(() => {
  for (const gate of gates.splice(0)) gate.resolve();
});

interface RunRow {
  id: string;
  status: string;
  attempt: number;
  worker_id: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

async function readRuns(hg: Hourglass): Promise<RunRow[]> {
  const { rows } = await env.db().query<RunRow>(`select id, status, attempt, worker_id, created_at, started_at, finished_at from "${hg.config.schema}".job_runs order by created_at, id`);
  return rows;
}

describe('a busy worker', () => {
  test('completes every run exactly once, writing the outcomes of many runs per transaction', async () => {
    const executed = new Map<string, number>();
    const tally = defineJob({
      name: 'tally',
      run(ctx) {
        executed.set(ctx.runId, (executed.get(ctx.runId) ?? 0) + 1);
      },
    });
    const hg = await env.create({ jobs: [tally], worker: { enabled: true, concurrency: 20, batchSize: 50, prefetch: 30 } });
    const ids = await hg.runs.enqueueMany(Array.from({ length: 300 }, () => ({ jobType: 'tally' })));
    await hg.start();
    const runs = await waitFor(async () => {
      const rows = await readRuns(hg);
      return rows.every((row) => row.status === 'completed') ? rows : null;
    }, { timeoutMs: 60_000, message: 'all 300 runs to complete' });
    await hg.stop();

    expect(runs.map((row) => row.id).sort()).toEqual([...ids].sort());
    expect([...executed.values()].every((count) => count === 1)).toBe(true);
    expect(executed.size).toBe(300);
    for (const row of runs) {
      expect(row).toMatchObject({ attempt: 1, worker_id: null });
      expect(row.started_at!.getTime()).toBeGreaterThanOrEqual(row.created_at.getTime());
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at!.getTime());
    }
    // One transaction's outcomes share its finished_at: fewer instants than runs means batches.
    const instants = new Set(runs.map((row) => row.finished_at!.getTime()));
    expect(instants.size).toBeLessThan(runs.length / 2);
  });

  test('hands queued runs it never started back untouched when it stops', async () => {
    const started = createDeferred();
    const gate = createDeferred();
    gates.push(gate);
    const slow = defineJob({
      name: 'slow',
      async run() {
        started.resolve();
        await gate.promise;
      },
    });
    const hg = await env.create({ jobs: [slow], worker: { enabled: true, concurrency: 1, batchSize: 10, prefetch: 4, shutdownGraceMs: 10_000 } });
    await hg.runs.enqueueMany(Array.from({ length: 6 }, () => ({ jobType: 'slow' })));
    await hg.start();
    await started.promise;
    // One executing, four held in the local queue (claimed, leased), one left pending.
    const held = await waitFor(async () => {
      const rows = await readRuns(hg);
      return rows.filter((row) => row.status === 'running').length === 5 ? rows : null;
    }, { message: 'the worker to hold five runs' });
    expect(held.filter((row) => row.status === 'pending')).toHaveLength(1);

    const stopping = hg.stop();
    gate.resolve();
    await stopping;
    const after = await readRuns(hg);
    expect(after.filter((row) => row.status === 'completed')).toHaveLength(1);
    const back = after.filter((row) => row.status === 'pending');
    expect(back).toHaveLength(5);
    for (const row of back) expect(row).toMatchObject({ attempt: 0, worker_id: null, started_at: null });

    const next = await siblings.create(hg, { jobs: [defineJob({ name: 'slow', run() {} })], worker: { enabled: true } });
    await next.start();
    const done = await waitFor(async () => {
      const rows = await readRuns(hg);
      return rows.every((row) => row.status === 'completed') ? rows : null;
    }, { message: 'the sibling to complete the handed-back runs' });
    expect(done.every((row) => row.attempt === 1)).toBe(true);
  });

  test('cancelling a queued run ends it cancelled without starting it', async () => {
    const gate = createDeferred();
    gates.push(gate);
    const seen: string[] = [];
    const first = createDeferred();
    const job = defineJob({
      name: 'gated',
      async run(ctx) {
        seen.push(ctx.runId);
        first.resolve();
        await gate.promise;
      },
    });
    const hg = await env.create({ jobs: [job], worker: { enabled: true, concurrency: 1, batchSize: 3, prefetch: 2 } });
    const [, doomed] = await hg.runs.enqueueMany([{ jobType: 'gated' }, { jobType: 'gated' }, { jobType: 'gated' }]);
    await hg.start();
    await first.promise;
    await waitFor(async () => (await readRuns(hg)).every((row) => row.status === 'running'), { message: 'all three runs held' });
    await hg.runs.cancel(doomed!);
    await waitFor(async () => (await hg.runs.get(doomed!)).status === 'cancelled', { message: 'the queued run to end cancelled' });
    gate.resolve();
    await waitFor(async () => (await readRuns(hg)).filter((row) => row.status === 'completed').length === 2, { message: 'the other two to complete' });
    await hg.stop();
    expect(seen).not.toContain(doomed);
    expect(await hg.runs.get(doomed!)).toMatchObject({ status: 'cancelled', errorMessage: 'cancelled by library', workerId: null });
  });

  test("moves a queued run's started_at to the start of its handler", async () => {
    const gate = createDeferred();
    gates.push(gate);
    const starts = new Map<string, number>();
    const first = createDeferred();
    const job = defineJob({
      name: 'paced',
      async run(ctx) {
        starts.set(ctx.runId, Date.now());
        first.resolve();
        await gate.promise;
      },
    });
    const hg = await env.create({ jobs: [job], worker: { enabled: true, concurrency: 1, batchSize: 2, prefetch: 1 } });
    const queuedId = (await hg.runs.enqueueMany([{ jobType: 'paced' }, { jobType: 'paced' }]))[1]!;
    await hg.start();
    await first.promise;
    await waitFor(async () => (await readRuns(hg)).every((row) => row.status === 'running'), { message: 'both runs claimed' });
    const claimedAt = (await readRuns(hg)).find((row) => row.id === queuedId)!.started_at!;
    await new Promise((resolve) => setTimeout(resolve, 300)); // the queued run waits behind the first
    gate.resolve();
    const done = await waitFor(async () => {
      const rows = await readRuns(hg);
      return rows.every((row) => row.status === 'completed') ? rows : null;
    }, { message: 'both runs to complete' });
    await hg.stop();
    const queued = done.find((row) => row.id === queuedId)!;
    expect(queued.started_at!.getTime() - claimedAt.getTime()).toBeGreaterThanOrEqual(250);
    expect(Math.abs(queued.started_at!.getTime() - starts.get(queuedId)!)).toBeLessThan(250);
  });
});
