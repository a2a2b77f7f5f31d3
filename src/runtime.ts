/**
 * What every component of one Hourglass instance shares, built once by the composition root
 * (`hourglass.ts`) and passed down. Nothing here is global.
 */
import type { Database } from './db/database.js';
import type { SchemaName } from './db/schema-name.js';
import type { ResolvedConfig } from './config/schema.js';
import type { Registry } from './registry/registry.js';
import type { Clock } from './util/clock.js';
import type { EventBus } from './events.js';
import type { Logger } from './logger.js';
import type { JobRun } from './model.js';

export interface Runtime {
  db: Database;
  schema: SchemaName;
  config: ResolvedConfig;
  registry: Registry;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  /** Wakes this process's worker (new runs) without a database round trip. */
  wakeWorker(): void;
  /** This process's running worker, which takes runs its scheduler fires (null without one). */
  localWorker(): LocalWorker | null;
  /** Wakes this process's scheduler (schedules changed). */
  wakeScheduler(): void;
  /** Random numbers for jitter; a seam for tests. */
  random(): number;
}

/**
 * The worker side of the scheduler's hand-off: a run the scheduler fires in a process whose
 * worker can start it at once is inserted already leased to that worker and given to it, so it
 * starts without a claim (see `scheduler/tick.ts`).
 */
export interface LocalWorker {
  /** How many runs it can start at once, of which job types, under which lease. */
  room(): WorkerRoom;
  /**
   * Takes runs inserted `running` under its lease; `askedAt` is `performance.now()` from before
   * the transaction that inserted them (the lease is counted from there), `startedAt` the
   * instant their `started_at` stands for (default `askedAt`): a wait for a slot after it
   * moves `started_at` when the outcome is written.
   */
  adopt(runs: readonly JobRun[], askedAt: number, startedAt?: number): void;
}

export interface WorkerRoom {
  workerId: string;
  leaseMs: number;
  /** Free slots with nothing queued before them; 0 while stopping. */
  slots: number;
  /** Job types it takes without a claim: not capped cluster-wide (job or tenant concurrency). */
  jobTypes: ReadonlySet<string>;
}

/**
 * The NOTIFY payloads on the schema's channel. `runs`: runs became claimable now;
 * `runs@<epoch ms>`: runs become claimable at that instant (a delayed enqueue, a retry), sent
 * with the earliest such instant of a statement's runs.
 */
export const Notification = Object.freeze({
  runs: 'runs',
  runsAtPrefix: 'runs@',
  schedules: 'schedules',
  cancelPrefix: 'cancel:',
} as const);

/**
 * What to NOTIFY about pending runs just written, given when each may start (null: at once):
 * `runs` when some may start at `now`, and `runs@` with the earliest instant of the others.
 * `now` is the statement's `$now`: null for the database's own, read here as this process's
 * clock. A clock that disagrees with the database's costs such a run at most a poll
 * (`worker/due-times.ts`).
 */
export function runsNotifications(startsAt: Iterable<Date | null>, now: Date | null): string[] {
  const nowMs = now?.getTime() ?? Date.now();
  let dueNow = false;
  let earliest = Infinity;
  for (const at of startsAt) {
    const ms = at?.getTime() ?? nowMs;
    if (ms <= nowMs) dueNow = true;
    else if (ms < earliest) earliest = ms;
  }
  return [...(dueNow ? [Notification.runs] : []), ...(earliest < Infinity ? [`${Notification.runsAtPrefix}${earliest}`] : [])];
}
