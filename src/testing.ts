/**
 * Helpers for testing an application's jobs against a real (embedded) database, published as
 * `hourglass/testing`:
 *
 * ```ts
 * const hg = await createTestHourglass({ jobs: [scoring] });
 * const run = await runJobOnce(hg, 'scoring', { brand_id: 'acme' });
 * expect(run.status).toBe('completed');
 * await hg.stop();
 * ```
 *
 * The instance runs on an in-memory PGlite (nothing on disk, nothing shared), with its worker
 * on and its scheduler off: schedules fire only when the test calls `hg.tick({ now })`.
 */
import type { HourglassConfigInput } from './config/schema.js';
import { createHourglass, type Hourglass, type HourglassSeams } from './hourglass.js';
import { finishedRunStatuses, type JobRun } from './model.js';

/** An started Hourglass on an in-memory database; stop it after the test. */
export async function createTestHourglass(config: HourglassConfigInput = {}, seams: HourglassSeams = {}): Promise<Hourglass> {
  const hourglass = createHourglass({
    logLevel: 'silent',
    ...config,
    dataDir: 'memory://',
    databaseUrl: undefined,
    scheduler: { enabled: false, ...config.scheduler },
    worker: { enabled: true, pollMs: 50, retryBaseMs: 10, retryMaxMs: 50, ...config.worker },
  }, seams);
  await hourglass.start();
  return hourglass;
}

/** Waits until the run has finished (completed, failed, cancelled or skipped) and returns it. */
export async function waitForRun(hourglass: Hourglass, runId: string, options: { timeoutMs?: number } = {}): Promise<JobRun> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const run = await hourglass.runs.get(runId);
    if (finishedRunStatuses.includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} of ${run.jobType} did not finish within ${options.timeoutMs ?? 30_000} ms (status ${run.status})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Enqueues one run of `jobType` and waits for it to finish (all its attempts). */
export async function runJobOnce(hourglass: Hourglass, jobType: string, payload: Record<string, unknown> = {}, options: { timeoutMs?: number } = {}): Promise<JobRun> {
  const run = await hourglass.runs.enqueue({ jobType, payload });
  return waitForRun(hourglass, run.id, options);
}
