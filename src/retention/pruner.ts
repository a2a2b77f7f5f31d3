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
import { createLoop, type Loop } from '../util/loop.js';
import { pruneRuns } from './prune-runs.js';

export type Pruner = Loop;

export function createPruner(runtime: Runtime): Pruner {
  const { intervalMs } = runtime.config.retention;
  return createLoop(runtime, {
    name: 'retention',
    backoff: { baseMs: 1000, maxMs: Math.max(1000, intervalMs) },
    async pass() {
      const report = await pruneRuns(runtime);
      if (report.total > 0) runtime.logger.info({ loop: 'retention', deleted: report.total, byStatus: report.byStatus, batches: report.batches }, 'pruned finished runs');
      return intervalMs;
    },
  });
}
