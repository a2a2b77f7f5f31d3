/**
 * The scheduler loop: turns due slots into runs at their instant, not at the next poll.
 *
 * States:
 * - ticking: one `tick()` (one transaction). If the batch limit was reached it ticks again at
 *   once; otherwise it asks the database for the earliest `next_run_at`.
 * - sleeping: until that instant, capped by `scheduler.pollMs`, or until woken: a schedule
 *   created or changed here or in another process (NOTIFY) wakes it at once. The delay is
 *   computed from the database clock, so a skewed machine clock does not shift slots.
 * - backing off: a database error is logged once per outage with its remedy, and the loop
 *   retries with jittered exponential backoff. It never exits over a database error.
 * - stopped: `stop()` waits for the tick in progress (a transaction is never abandoned).
 */
import type { Runtime } from '../runtime.js';
import { readNextDue } from '../db/queries/fire-due.js';
import { describeDatabaseError } from '../db/retryable.js';
import { computeBackoffMs } from '../util/backoff.js';
import { createWakeSignal } from '../util/wake-signal.js';
import { coerceError } from '../errors.js';
import { tick } from './tick.js';
import { sqlNow } from '../util/clock.js';

export interface Scheduler {
  start(): void;
  stop(): Promise<void>;
  wake(): void;
}

/** Something due but locked by another scheduler: look again shortly instead of spinning. */
const LOCKED_RETRY_MS = 5;

export function createScheduler(runtime: Runtime): Scheduler {
  const wake = createWakeSignal();
  let running = false;
  let loop: Promise<void> | null = null;
  let failures = 0;

  async function nextDelayMs(firedSomething: boolean): Promise<number> {
    const { pollMs } = runtime.config.scheduler;
    const { now, nextDueAt } = await readNextDue(runtime.db, runtime.schema, sqlNow(runtime.clock));
    if (!nextDueAt) return pollMs;
    const delay = nextDueAt.getTime() - now.getTime();
    if (delay <= 0) return firedSomething ? 0 : LOCKED_RETRY_MS;
    // Timers resolve in whole milliseconds; never wake before the slot.
    return Math.min(pollMs, Math.ceil(delay));
  }

  async function runLoop(): Promise<void> {
    while (running) {
      try {
        const result = await tick(runtime);
        if (failures > 0) {
          runtime.logger.info({ loop: 'scheduler', failures }, 'database reachable again; scheduler resumed');
          runtime.events.emit('db:connection:restored', { loop: 'scheduler' });
          failures = 0;
        }
        if (result.hasMore) continue;
        const delay = await nextDelayMs(result.schedules > 0);
        if (delay > 0 && running) await wake.wait(delay);
      } catch (thrown) {
        failures += 1;
        const error = coerceError(thrown);
        if (failures === 1) {
          runtime.logger.error({ loop: 'scheduler', err: error.message, remedy: describeDatabaseError(thrown) }, 'scheduler tick failed');
          runtime.events.emit('db:connection:lost', { loop: 'scheduler', error: error.message });
        }
        if (running) await wake.wait(computeBackoffMs(failures, { baseMs: 250, maxMs: 15_000 }));
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
