/**
 * The retention loop: one pass (`pruneRuns`) every `retention.intervalMs`.
 *
 * States:
 * - pruning: one pass, batch after batch of short transactions (see `prune-runs.ts`). A pass
 *   that finds another process holding the pruner's lock does nothing and waits for the next
 *   interval.
 * - sleeping: `retention.intervalMs`, or until `wake()`.
 * - backing off: a database error is logged once per outage with its remedy, and the loop
 *   retries with jittered exponential backoff capped at the interval. It never exits over a
 *   database error.
 * - stopped: `stop()` waits for the batch in progress.
 *
 * Started by the composition root in processes that run the scheduler role (housekeeping
 * belongs with the few scheduler processes, not with every worker).
 */
import type { Runtime } from '../runtime.js';
import { describeDatabaseError } from '../db/retryable.js';
import { computeBackoffMs } from '../util/backoff.js';
import { createWakeSignal } from '../util/wake-signal.js';
import { coerceError } from '../errors.js';
import { pruneRuns } from './prune-runs.js';

export interface Pruner {
  start(): void;
  stop(): Promise<void>;
  wake(): void;
}

export function createPruner(runtime: Runtime): Pruner {
  const wake = createWakeSignal();
  const { intervalMs } = runtime.config.retention;
  let running = false;
  let loop: Promise<void> | null = null;
  let failures = 0;

  async function runLoop(): Promise<void> {
    while (running) {
      try {
        const report = await pruneRuns(runtime);
        if (failures > 0) runtime.logger.info({ loop: 'retention', failures }, 'database reachable again; retention resumed');
        failures = 0;
        if (report.total > 0) runtime.logger.info({ loop: 'retention', deleted: report.total, byStatus: report.byStatus, batches: report.batches }, 'pruned finished runs');
        if (running) await wake.wait(intervalMs);
      } catch (thrown) {
        failures += 1;
        if (failures === 1) {
          runtime.logger.error({ loop: 'retention', err: coerceError(thrown).message, remedy: describeDatabaseError(thrown) }, 'retention pass failed');
        }
        if (running) await wake.wait(computeBackoffMs(failures, { baseMs: 1000, maxMs: Math.max(1000, intervalMs) }, runtime.random));
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = runLoop();
    },
    async stop() {
      running = false;
      wake.wake();
      await loop;
      loop = null;
    },
    wake: () => wake.wake(),
  };
}
