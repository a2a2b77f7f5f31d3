/**
 * The worker loop: claims pending runs and executes their handlers, at most `concurrency` at
 * once in this process.
 *
 * States:
 * - idle: nothing claimable; sleeps up to `worker.pollMs`, woken at once by a NOTIFY of new
 *   runs (any process) or a finished run here (capacity freed).
 * - claiming: one claim statement for up to the free capacity (plus one short transaction per
 *   job type with a cluster-wide cap). A full claim loops at once: more work is likely.
 * - running at capacity: waits for a handler to finish.
 * - draining (`stop()`): claims nothing more, waits up to `shutdownGraceMs` for running
 *   handlers, then aborts the rest and hands their runs back as pending.
 * - stopped.
 *
 * Alongside, a heartbeat timer renews the leases of runs held here (noticing cancellations
 * and leases lost to recovery) and a flush timer writes buffered log lines. Database errors
 * back off with jitter; the loop never exits over them.
 */
import { claimCappedRuns, claimRuns, claimTenantCappedRuns } from '../db/queries/claim-runs.js';
import { handBackRuns, renewLeases } from '../db/queries/leases.js';
import { appendLogLines } from '../db/queries/run-logs.js';
import { describeDatabaseError } from '../db/retryable.js';
import { coerceError } from '../errors.js';
import type { JobRun } from '../model.js';
import type { Runtime } from '../runtime.js';
import { computeBackoffMs } from '../util/backoff.js';
import { sqlNow } from '../util/clock.js';
import { sleep } from '../util/sleep.js';
import { createWakeSignal } from '../util/wake-signal.js';
import { executeRun, type Execution } from './execute.js';
import { reportOutcomes } from './report.js';
import { createRunLogBuffer } from './run-log-buffer.js';

export interface Worker {
  start(): void;
  stop(): Promise<void>;
  wake(): void;
  /** Aborts a run this worker executes (a cancel NOTIFY arrived). */
  cancel(runId: string, reason?: string): void;
  /** Ids of runs executing here now. */
  activeRunIds(): string[];
}

const LOG_FLUSH_MS = 300;
/** Shortest time a worker keeps trying to record an outcome while the database is away. */
const REPORT_RETRY_MIN_MS = 120_000;

export function createWorker(runtime: Runtime, workerId: string): Worker {
  const { config, logger } = runtime;
  const wake = createWakeSignal();
  const active = new Map<string, Execution>();
  const logs = createRunLogBuffer();
  const uncapped = runtime.registry.list().filter((job) => job.concurrency === null).map((job) => job.name);
  const capped = runtime.registry.list().filter((job) => job.concurrency !== null);
  let running = false;
  let loop: Promise<void> | null = null;
  let timers: NodeJS.Timeout[] = [];
  let failures = 0;

  async function claim(free: number): Promise<JobRun[]> {
    const base = { workerId, leaseMs: config.worker.leaseMs, now: sqlNow(runtime.clock) };
    const tenantCap = config.worker.tenantConcurrency ?? null;
    const limit = Math.min(free, config.worker.batchSize);
    const claimed =
      tenantCap === null
        ? await claimRuns(runtime.db, runtime.schema, { ...base, limit, jobTypes: uncapped })
        : await runtime.db.transaction((tx) => claimTenantCappedRuns(tx, runtime.schema, { ...base, limit, jobTypes: uncapped, tenantCap }));
    for (const job of capped) {
      const room = free - claimed.length;
      if (room <= 0) break;
      claimed.push(
        ...(await runtime.db.transaction((tx) =>
          claimCappedRuns(tx, runtime.schema, { ...base, limit: room, jobType: job.name, cap: job.concurrency!, tenantCap }),
        )),
      );
    }
    return claimed;
  }

  function dispatch(run: JobRun): void {
    // Claimed again after its lease lapsed here: the older attempt is no longer ours.
    active.get(run.id)?.abort({ kind: 'lease_lost' });
    const execution = executeRun(runtime, run, logs);
    active.set(run.id, execution);
    runtime.events.emit('run:claimed', { run });
    void execution.settled
      .then(async (settled) => {
        if ('handBack' in settled) {
          await handBackRuns(runtime.db, runtime.schema, [run], workerId).catch(() => {});
          runtime.events.emit('run:handed-back', { runId: run.id });
          return;
        }
        await reportWithRetry(run, settled);
      })
      .catch((error) => logger.error({ runId: run.id, err: coerceError(error).message }, 'could not record the end of a run'))
      .finally(() => {
        if (active.get(run.id) === execution) active.delete(run.id);
        wake.wake();
      });
  }

  async function reportWithRetry(run: JobRun, settled: Exclude<Awaited<Execution['settled']>, { handBack: true }>) {
    const { outcome, metrics } = settled;
    const item = {
      record: { id: run.id, workerId, attempt: run.attempt, status: outcome.status, errorMessage: outcome.errorMessage, result: outcome.result, metrics, retryDelayMs: outcome.retryDelayMs },
      attempt: run.attempt,
      lines: [] as ReturnType<typeof logs.drain>,
    };
    // A database blip must not lose an outcome: keep trying for a while. Trying late is safe,
    // since a run recovered meanwhile no longer matches this worker and attempt and the report
    // is dropped; giving up early would make a finished handler run again.
    const deadline = performance.now() + Math.max(config.worker.leaseMs * 2, REPORT_RETRY_MIN_MS);
    for (let attempt = 1; ; attempt += 1) {
      item.lines = [...item.lines, ...logs.drain(run.id)];
      try {
        const { finished, autoPaused } = await reportOutcomes(runtime, [item]);
        if (finished.length > 0) announce(run, settled);
        for (const scheduleId of autoPaused) runtime.events.emit('schedule:auto-paused', { scheduleId });
        return;
      } catch (error) {
        if (performance.now() > deadline) throw error;
        await sleep(computeBackoffMs(attempt, { baseMs: 100, maxMs: 5000 }));
      }
    }
  }

  function announce(run: JobRun, settled: Exclude<Awaited<Execution['settled']>, { handBack: true }>) {
    const { outcome, durationMs } = settled;
    const fields = { runId: run.id, jobType: run.jobType, attempt: run.attempt, durationMs };
    if (outcome.status === 'completed') {
      logger.info(fields, 'run completed');
      runtime.events.emit('run:completed', { run, durationMs, result: outcome.result });
    } else if (outcome.status === 'cancelled') {
      logger.info({ ...fields, reason: outcome.errorMessage }, 'run cancelled');
      runtime.events.emit('run:cancelled', { run, reason: outcome.errorMessage ?? 'cancelled' });
    } else {
      logger.warn({ ...fields, err: outcome.errorMessage, willRetry: outcome.willRetry }, outcome.willRetry ? 'run attempt failed; will retry' : 'run failed');
      runtime.events.emit('run:failed', { run, error: outcome.errorMessage ?? 'failed', willRetry: outcome.willRetry, durationMs });
    }
  }

  async function runLoop(): Promise<void> {
    while (running) {
      const free = config.worker.concurrency - active.size;
      try {
        const claimed = free > 0 ? await claim(free) : [];
        if (failures > 0) {
          logger.info({ loop: 'worker', failures }, 'database reachable again; worker resumed');
          runtime.events.emit('db:connection:restored', { loop: 'worker' });
          failures = 0;
        }
        for (const run of claimed) dispatch(run);
        if (claimed.length > 0 && claimed.length >= Math.min(free, config.worker.batchSize)) continue;
        if (running) await wake.wait(config.worker.pollMs);
      } catch (thrown) {
        failures += 1;
        if (failures === 1) {
          logger.error({ loop: 'worker', err: coerceError(thrown).message, remedy: describeDatabaseError(thrown) }, 'claiming runs failed');
          runtime.events.emit('db:connection:lost', { loop: 'worker', error: coerceError(thrown).message });
        }
        if (running) await sleep(computeBackoffMs(failures, { baseMs: 250, maxMs: 15_000 }));
      }
    }
  }

  async function heartbeat(): Promise<void> {
    // Only runs executing when the statement starts: one claimed meanwhile is not in its answer.
    const executing = [...active.keys()];
    const held = await renewLeases(runtime.db, runtime.schema, workerId, executing, { leaseMs: config.worker.leaseMs, now: sqlNow(runtime.clock) });
    const stillOurs = new Set(held.map((row) => row.id));
    for (const row of held) if (row.cancel_requested) active.get(row.id)?.abort({ kind: 'cancel', reason: 'cancelled by request' });
    // A run we execute but no longer hold (recovered elsewhere, or already ended) stops here.
    for (const id of executing) if (!stillOurs.has(id)) active.get(id)?.abort({ kind: 'lease_lost' });
  }

  async function flushLogs(): Promise<void> {
    const lines = logs.drain();
    if (lines.length === 0) return;
    try {
      await appendLogLines(runtime.db, runtime.schema, lines);
    } catch {
      for (const line of lines) logs.push(line); // kept for the next flush or the outcome
    }
  }

  function every(ms: number, fn: () => Promise<void>) {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      fn()
        .catch((error) => logger.debug({ err: coerceError(error).message }, 'worker housekeeping failed; retrying on the next beat'))
        .finally(() => (busy = false));
    }, ms);
    timer.unref();
    timers.push(timer);
  }

  return {
    start() {
      if (running) return;
      running = true;
      every(config.worker.heartbeatMs, heartbeat);
      every(LOG_FLUSH_MS, flushLogs);
      loop = runLoop();
    },
    async stop() {
      if (!running) return;
      running = false;
      wake.wake();
      await loop;
      const deadline = Date.now() + config.worker.shutdownGraceMs;
      while (active.size > 0 && Date.now() < deadline) await wake.wait(Math.min(100, deadline - Date.now()));
      const unfinished = [...active.values()];
      for (const execution of unfinished) execution.abort({ kind: 'shutdown' });
      await Promise.allSettled(unfinished.map((execution) => execution.settled));
      while (active.size > 0) await wake.wait(50);
      for (const timer of timers) clearInterval(timer);
      timers = [];
      await flushLogs();
    },
    wake: () => wake.wake(),
    cancel(runId, reason = 'cancelled by request') {
      active.get(runId)?.abort({ kind: 'cancel', reason });
    },
    activeRunIds: () => [...active.keys()],
  };
}
