/**
 * Graceful shutdown and lease recovery (SPEC §4): nothing is lost when a worker stops or dies.
 *
 * A dead worker is simulated through SQL: its run is `running` with a lease that lapsed and a
 * worker id no live process has, exactly what a crashed process leaves behind.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import { newId } from '../../src/util/ids.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createDeferred, whenAborted, type Deferred } from '../helpers/deferred.js';
import { setupSiblings } from '../helpers/siblings.js';
import { waitFor, waitForEvent, waitForRunStatus } from '../helpers/wait.js';

const env = setupTestDatabase();
const siblings = setupSiblings(env);

/** Handlers that ignore their signal wait on these; released after each test. */
let gates: Deferred[] = [];
afterEach(() => {
  for (const gate of gates.splice(0)) gate.resolve();
});

function createGate(): Deferred {
  const gate = createDeferred();
  gates.push(gate);
  return gate;
}

const finisher = defineJob({ name: 'report', async run(ctx) { return { attempt: ctx.attempt }; } });

/** Makes `runId` look like the run of a worker that died mid-attempt `attempt`. */
async function simulateDeadWorker(hg: Hourglass, runId: string, attempt: number): Promise<void> {
  await env.db().query(
    `update "${hg.config.schema}".job_runs
     set status = 'running', attempt = $2, worker_id = $3, started_at = now() - interval '10 minutes',
         lease_expires_at = now() - interval '5 minutes'
     where id = $1`,
    [runId, attempt, newId()],
  );
}

describe('graceful shutdown', () => {
  test('stop waits for a handler that finishes within shutdownGraceMs', async () => {
    const started = createDeferred();
    const gate = createGate();
    const patient = defineJob({
      name: 'report',
      async run() {
        started.resolve();
        await gate.promise;
        return 'finished';
      },
    });
    const hg = await env.create({ jobs: [patient], worker: { enabled: true, shutdownGraceMs: 10_000 } });
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'report' });
    await started.promise;

    const stopping = hg.stop();
    gate.resolve();
    await stopping;

    const reader = await siblings.create(hg);
    expect(await reader.runs.get(run.id)).toMatchObject({ status: 'completed', attempt: 1, result: 'finished' });
  });

  test('stop hands back a run whose handler ignores its signal beyond shutdownGraceMs, and another instance completes it', async () => {
    const started = createDeferred();
    const gate = createGate();
    let aborted = false;
    const stubborn = defineJob({
      name: 'report',
      async run(ctx) {
        ctx.signal.addEventListener('abort', () => (aborted = true));
        started.resolve();
        await gate.promise;
      },
    });
    const hg = await env.create({ jobs: [stubborn], worker: { enabled: true, shutdownGraceMs: 100 } });
    const handedBack: string[] = [];
    hg.on('run:handed-back', ({ runId }) => handedBack.push(runId));
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'report' });
    await started.promise;
    expect((await hg.runs.get(run.id)).attempt).toBe(1);

    await hg.stop();

    expect(aborted).toBe(true);
    expect(handedBack).toEqual([run.id]);
    const other = await siblings.create(hg, { jobs: [finisher], worker: { enabled: true } });
    const back = await other.runs.get(run.id);
    expect(back).toMatchObject({ status: 'pending', attempt: 0, workerId: null, leaseExpiresAt: null, startedAt: null });

    await other.start();
    const done = await waitForRunStatus(other, run.id, ['completed']);
    expect(done).toMatchObject({ attempt: 1, result: { attempt: 1 }, workerId: null });
  });

  test('a handler that honours its signal on shutdown is handed back, not failed or cancelled', async () => {
    const started = createDeferred();
    const polite = defineJob({
      name: 'report',
      async run(ctx) {
        started.resolve();
        await whenAborted(ctx.signal);
        throw new Error('interrupted');
      },
    });
    const hg = await env.create({ jobs: [polite], worker: { enabled: true, shutdownGraceMs: 0 } });
    const failed: string[] = [];
    hg.on('run:failed', ({ run }) => failed.push(run.id));
    hg.on('run:cancelled', ({ run }) => failed.push(run.id));
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'report' });
    await started.promise;

    await hg.stop();

    const reader = await siblings.create(hg);
    expect(await reader.runs.get(run.id)).toMatchObject({ status: 'pending', attempt: 0, errorMessage: null });
    expect(failed).toEqual([]);
  });
});

describe('lapsed leases', () => {
  test('a run whose worker died goes back to pending with the attempt counted, then completes', async () => {
    const hg = await env.create({ jobs: [finisher], worker: { enabled: true } });
    const run = await hg.runs.enqueue({ jobType: 'report' });
    await simulateDeadWorker(hg, run.id, 1);

    const recoveredEvent = waitForEvent(hg, 'lease:recovered');
    expect(await hg.recoverLeases()).toBe(1);
    expect((await recoveredEvent).runs).toEqual([{ id: run.id, status: 'pending', attempt: 1 }]);

    const recovered = await hg.runs.get(run.id);
    expect(recovered).toMatchObject({ status: 'pending', attempt: 1, workerId: null, leaseExpiresAt: null, finishedAt: null });
    expect(recovered.errorMessage).toMatch(/^worker lost/);
    const lines = await hg.runs.logs(run.id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn' });
    expect(lines[0]!.message).toMatch(/^worker lost: lease expired during attempt 1; handed back for another attempt/);
    expect(await hg.recoverLeases()).toBe(0);

    await hg.start();
    const done = await waitForRunStatus(hg, run.id, ['completed']);
    expect(done).toMatchObject({ attempt: 2, result: { attempt: 2 }, errorMessage: null });
  });

  test('a lapsed run with its attempts used up ends failed with "worker lost"', async () => {
    const hg = await env.create({ jobs: [finisher] });
    const run = await hg.runs.enqueue({ jobType: 'report', maxAttempts: 2 });
    await simulateDeadWorker(hg, run.id, 2);

    expect(await hg.recoverLeases()).toBe(1);

    const failed = await hg.runs.get(run.id);
    expect(failed).toMatchObject({ status: 'failed', attempt: 2, workerId: null, leaseExpiresAt: null });
    expect(failed.errorMessage).toMatch(/worker lost/);
    expect(failed.finishedAt).toBeInstanceOf(Date);
    const messages = (await hg.runs.logs(run.id)).map((line) => line.message);
    expect(messages).toEqual([expect.stringMatching(/^worker lost: lease expired during attempt 2; run failed/)]);
  });

  test('a lapsed run whose cancellation was requested ends cancelled', async () => {
    const hg = await env.create({ jobs: [finisher] });
    const run = await hg.runs.enqueue({ jobType: 'report' });
    await simulateDeadWorker(hg, run.id, 1);
    expect((await hg.runs.cancel(run.id)).status).toBe('running');

    expect(await hg.recoverLeases()).toBe(1);
    const cancelled = await hg.runs.get(run.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.finishedAt).toBeInstanceOf(Date);
  });

  test('runs with a live lease are left alone', async () => {
    const hg = await env.create({ jobs: [finisher] });
    const run = await hg.runs.enqueue({ jobType: 'report' });
    await env.db().query(
      `update "${hg.config.schema}".job_runs set status = 'running', attempt = 1, worker_id = $2, lease_expires_at = now() + interval '1 minute' where id = $1`,
      [run.id, newId()],
    );
    expect(await hg.recoverLeases()).toBe(0);
    expect((await hg.runs.get(run.id)).status).toBe('running');
  });

  test("the worker's heartbeat keeps renewing the lease of a long handler", async () => {
    const started = createDeferred();
    const gate = createGate();
    const long = defineJob({
      name: 'report',
      async run() {
        started.resolve();
        await gate.promise;
        return 'done';
      },
    });
    // Short enough to outlive in a test, long enough for a busy machine to renew in time.
    const leaseMs = 2000;
    const hg = await env.create({ jobs: [long], worker: { enabled: true, leaseMs } });
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'report' });
    await started.promise;
    const firstLease = (await hg.runs.get(run.id)).leaseExpiresAt!;

    // Outlive the first lease: it must have been renewed after it would have lapsed, so nothing is recovered.
    await waitFor(async () => {
      const current = await hg.runs.get(run.id);
      return current.leaseExpiresAt && current.leaseExpiresAt.getTime() > firstLease.getTime() + leaseMs && Date.now() > firstLease.getTime();
    }, { message: 'the lease to be renewed past the first one' });
    expect(await hg.recoverLeases()).toBe(0);
    expect((await hg.runs.get(run.id)).status).toBe('running');

    gate.resolve();
    expect(await waitForRunStatus(hg, run.id, ['completed'])).toMatchObject({ attempt: 1, result: 'done' });
  });

  test('a worker that claims its own lapsed run again drops the older attempt and keeps the newer one', async () => {
    const started = [createDeferred<AbortSignal>(), createDeferred<AbortSignal>()];
    const gate = createGate();
    const twice = defineJob({
      name: 'report',
      async run(ctx) {
        started[ctx.attempt - 1]!.resolve(ctx.signal);
        if (ctx.attempt === 1) {
          await whenAborted(ctx.signal);
          return 'stale';
        }
        await gate.promise;
        return 'fresh';
      },
    });
    const hg = await env.create({ jobs: [twice], worker: { enabled: true, concurrency: 2 } });
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'report' });
    const firstSignal = await started[0]!.promise;
    // The lease lapsed while the handler ran (a long event-loop stall or database outage).
    await env.db().query(`update "${hg.config.schema}".job_runs set lease_expires_at = now() - interval '1 minute' where id = $1`, [run.id]);
    const handedBack = waitForEvent(hg, 'run:handed-back', (event) => event.runId === run.id);
    expect(await hg.recoverLeases()).toBe(1);

    await started[1]!.promise;
    expect(firstSignal.aborted).toBe(true);
    await handedBack;
    expect(await hg.runs.get(run.id)).toMatchObject({ status: 'running', attempt: 2, workerId: hg.workerId });

    gate.resolve();
    const done = await waitForRunStatus(hg, run.id, ['completed']);
    expect(done).toMatchObject({ attempt: 2, result: 'fresh' });
  });

  test('another live instance recovers a lapsed run and its worker completes it', async () => {
    const hg = await env.create({ jobs: [finisher] });
    const run = await hg.runs.enqueue({ jobType: 'report' });
    await simulateDeadWorker(hg, run.id, 1);

    // A worker process with a fast heartbeat: recovery happens on its own, without a call.
    const other = await siblings.create(hg, { jobs: [finisher], worker: { enabled: true, leaseMs: 1000 } });
    const recovered = waitForEvent(other, 'lease:recovered');
    await other.start();
    await recovered;
    const done = await waitForRunStatus(other, run.id, ['completed']);
    expect(done).toMatchObject({ attempt: 2, result: { attempt: 2 } });
  });
});
