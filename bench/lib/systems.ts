/**
 * The settings of the three systems under test, in one place: every trial and the idle-RSS
 * processes take their options from here, and `latest.json` records what they returned.
 *
 * "Concurrency C" means at most C no-op handlers in hand at once in one process. Each peer runs
 * in the fastest configuration its own documentation describes (quotes from the types shipped
 * in node_modules):
 *
 * - graphile-worker 0.18: `concurrentJobs` C; `maxPoolSize` "10 or concurrentJobs + 2, whichever
 *   is larger"; the batching options of worker.graphile.org/docs/performance, whose measured
 *   configuration is `localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0`
 *   ("The localQueue ... can massively improve throughput"; batched completion "can significantly
 *   reduce database load"). Enqueue in bulk with `addJobs`.
 * - pg-boss 12: `work()` runs `localConcurrency` polling workers that each fetch `batchSize` jobs
 *   and hand them to the handler as one array, so C = localConcurrency × batchSize.
 *   `burstWhenBatchFull` ("keeps fetching continuously with no delay" while fetches come back
 *   full), the shortest `pollingIntervalSeconds` ("must be >= 0.5"), and LISTEN/NOTIFY
 *   (`useListenNotify` on the instance, `notify: true` on the queue: "workers wake immediately").
 *   Enqueue in bulk with `insert(name, jobs)`. The split of C between workers and batch size was
 *   measured (see `PG_BOSS_WORKERS`).
 * - Hourglass: `worker.concurrency` C with the configuration docs/performance.md gives for many
 *   short runs: `worker.prefetch` 1000 (runs claimed ahead into the worker's local queue) and
 *   `worker.batchSize` 1000 (runs per claim statement). Enqueue in bulk with `runs.enqueueMany`.
 */

export const SystemName = Object.freeze({
  hourglass: 'hourglass',
  graphileWorker: 'graphile-worker',
  pgBoss: 'pg-boss',
  /** Not a product: the least a durable NOTIFY-woken queue does (`drivers/bare-queue.ts`), latency only. */
  bareQueue: 'bare-queue',
} as const);
export type SystemName = (typeof SystemName)[keyof typeof SystemName];

/** Hourglass and its peers: the systems of every workload they support. */
export const allSystems: readonly SystemName[] = [SystemName.hourglass, SystemName.graphileWorker, SystemName.pgBoss];

/** Short tags for schema names (`bench_<tag>_<pid>_<n>`). */
export const schemaTag: Record<SystemName, string> = { hourglass: 'hg', 'graphile-worker': 'gw', 'pg-boss': 'boss', 'bare-queue': 'bare' };

/** Hourglass `worker` options at concurrency C. */
export function hourglassWorkerSettings(concurrency: number) {
  return { enabled: true, concurrency, batchSize: 1000, prefetch: 1000 };
}

/** graphile-worker `run()` options (besides connection, schema, tasks, logger) at concurrency C. */
export function graphileWorkerSettings(concurrency: number) {
  return {
    concurrency,
    maxPoolSize: Math.max(10, concurrency + 2),
    noHandleSignals: true,
    preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  };
}

/**
 * pg-boss polling workers per `work()` call at concurrency C; each fetches C / workers jobs.
 * Chosen by measurement (5,000 no-op jobs on PostgreSQL 15, 2 cores, runs/s, one run each):
 *
 *   workers × batch   C = 10    C = 50
 *   1 × C              1,570     6,435
 *   2 × C/2            2,810     8,946
 *   5 × C/5            1,094     3,155
 *   C × 1              < 1       2,145   (batch 1: no burst mode; at C = 10 only 100 of 5,000 done in 300 s)
 */
export const PG_BOSS_WORKERS = 2;

/** pg-boss constructor options (besides connection and schema). */
export function pgBossInstanceSettings() {
  return { useListenNotify: true, schedule: false };
}

/** pg-boss queue options of the benchmark's queue. */
export function pgBossQueueSettings() {
  return { notify: true };
}

/** pg-boss `work()` options at concurrency C. */
export function pgBossWorkSettings(concurrency: number) {
  const localConcurrency = Math.min(PG_BOSS_WORKERS, concurrency);
  return {
    localConcurrency,
    batchSize: Math.max(1, Math.floor(concurrency / localConcurrency)),
    burstWhenBatchFull: true,
    pollingIntervalSeconds: 0.5,
  };
}

/**
 * pg-boss cron: a pass every `cronMonitorIntervalSeconds` finds due schedules and forwards a job
 * through an internal queue polled every `cronWorkerIntervalSeconds`; both at their documented
 * minimum of 1 second ("must be between 1 and 45 seconds").
 */
export function pgBossCronSettings() {
  return { useListenNotify: true, schedule: true, cronMonitorIntervalSeconds: 1, cronWorkerIntervalSeconds: 1 };
}
