/**
 * One shape for the three systems in the queue workloads (throughput, latency), so a trial is
 * written once. A driver owns its system's client(s); the trial owns the timing.
 *
 * Completion is always read from the database: on PostgreSQL through the trial's separate probe
 * connection, on PGlite through the embedded instance (it has only one connection).
 */
import type { CountProbe } from '../trial-io.ts';
import type { TrialSpec } from '../trial.ts';
import { SystemName } from '../systems.ts';

/** What a handler receives: the latency workload numbers its runs, the others send `{}`. */
export interface BenchPayload {
  i?: number;
}

export interface QueueDriver {
  /** The exact options this system runs with. */
  readonly settings: Record<string, unknown>;
  /** Enqueues `count` no-op runs with the system's bulk call. */
  enqueueBulk(count: number): Promise<void>;
  /** Starts the worker; `onRun` is called first thing in every handler. */
  startWorker(onRun: (payload: BenchPayload) => void): Promise<void>;
  /** Opens the producer: a second client of the same queue, separate from the worker. */
  openProducer(): Promise<void>;
  /** Enqueues one run through the producer. */
  enqueueOne(payload: BenchPayload): Promise<void>;
  /**
   * Whether the database still holds a run that is not finished. An existence check, not a
   * count: the trial asks every 20 ms on a separate connection of the same database, and a count
   * scans every row version of the table each time. Measured as the probe connection's own CPU
   * over one 20,000-run trial at concurrency 50: counting cost 141–169 ms for Hourglass (whose
   * table keeps three versions of every run) and 62–77 ms for graphile-worker, taken from the
   * two cores the system under test runs on; the existence checks cost 26 and 17–21 ms.
   */
  anyUnfinished(): Promise<boolean>;
}

export interface DriverOptions {
  spec: TrialSpec;
  concurrency: number;
  /** The separate connection on PostgreSQL; null on PGlite. */
  probe: CountProbe | null;
}

export async function createQueueDriver(options: DriverOptions): Promise<QueueDriver> {
  switch (options.spec.system) {
    case SystemName.hourglass:
      return (await import('./hourglass.ts')).createHourglassDriver(options);
    case SystemName.graphileWorker:
      return (await import('./graphile-worker.ts')).createGraphileWorkerDriver(options);
    case SystemName.pgBoss:
      return (await import('./pg-boss.ts')).createPgBossDriver(options);
    case SystemName.bareQueue:
      return (await import('./bare-queue.ts')).createBareQueueDriver(options);
  }
}
