/**
 * The scheduler loop: turns due slots into runs at their instant, not at the next poll.
 *
 * States:
 * - ticking: one `tick()` (one transaction). Unless the batch limit was reached, it then asks
 *   the database for the earliest `next_run_at`.
 * - draining: a tick's lock came back full (the batch limit), so more schedules are due:
 *   `BACKLOG_LANES` lanes tick at once, each tick its own transaction on its own connection
 *   (SKIP LOCKED hands each lane different schedules), until every lane's last tick came back
 *   short. One tick is the process planning (slots, runs) and the database writing in turn; two
 *   lanes overlap the one with the other. The other lanes start as soon as the first tick's lock
 *   comes back full, not after its commit.
 * - sleeping: until that instant, capped by `scheduler.pollMs`, or until woken: a schedule
 *   created or changed here or in another process (NOTIFY) wakes it at once. The delay is
 *   computed from the database clock, so a skewed machine clock does not shift slots. Shortly
 *   before a slot it asks the database again and then wakes within about 0.1 ms of the slot
 *   (a precise wait), since timers alone fire 1–2 ms late.
 * - firing ahead: with a worker in this process, `scheduler.fireAheadMs` before a slot it asks
 *   again and ticks for the slot's instant (`tickAhead`); if every run goes to its own worker,
 *   the tick commits and the runs start at the slot, with no statement left between the slot
 *   and the handlers. Per-second schedule, 2 cores: handler start after the slot p50 1 ms, worst
 *   of 39 slots 4–5 ms, against p50 6 ms and worst 12–14 ms ticking at the slot (same hour). A
 *   slot the tick cannot decide ahead (an overlap with an active run, a pause that ends, a run
 *   for another worker) rolls back and fires at its instant. Ahead of the slot means a change
 *   committed in that last window (a pause, an edit) applies from the next slot, as one
 *   committed while the tick at the slot holds the schedule's lock does.
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
import { tick, tickAhead, type TickResult } from './tick.js';
import { sqlNow } from '../util/clock.js';
import { warmUpCron } from '../time/cron.js';

export interface Scheduler {
  start(): void;
  stop(): Promise<void>;
  wake(): void;
}

/**
 * A slot further ahead than this is asked about again this long before it (see the loop): close
 * enough that the connection and the database's process are still awake for the tick (after
 * 20 ms of idling its first statement took up to 3 ms). Per-second schedule, 120 slots, handler
 * start after the slot: p50 6 / p99 13–15 ms answering once right after the tick, p50 4 / p99
 * 9–11 ms asking again 5 ms before.
 */
const REFINE_LEAD_MS = 5;
/** Something due but locked by another scheduler: look again shortly instead of spinning. */
const LOCKED_RETRY_MS = 5;
/**
 * Lanes that drain a backlog. 10,000 of 100,000 schedules due in one second, batch 500, 2 cores,
 * median of six runs: one lane 1.31 s, two 1.09 s, three 0.94 s. Three is within the noise of
 * two, but holds one more pool connection (which the worker in the same process needs).
 */
const BACKLOG_LANES = 2;

export function createScheduler(runtime: Runtime): Scheduler {
  const wake = createWakeSignal();
  let running = false;
  let loop: Promise<void> | null = null;
  let failures = 0;

  /**
   * How long to sleep, and whether the end is a slot (worth waking for precisely). The delay is
   * counted from the answer: the database's now it was measured from lies before that, so the
   * wake-up may be late by the round trip, never early. (Counted from the question, it was
   * early by up to 2 ms whenever the event loop sent the question late, and an early tick finds
   * nothing and retries later.) `at` is the slot's instant, `end` the wake-up on this process's
   * monotonic clock.
   */
  async function nextSleep(backOffIfDue: boolean): Promise<{ ms: number; precise: boolean; at: Date | null; end: number }> {
    const { pollMs } = runtime.config.scheduler;
    const { dueInMs, dueAt } = await readNextDue(runtime.db, runtime.schema, sqlNow(runtime.clock));
    const answeredAt = performance.now();
    const sleep = (ms: number, precise: boolean) => ({ ms, precise, at: precise ? dueAt : null, end: answeredAt + ms });
    if (dueInMs === null || dueInMs > pollMs) return sleep(pollMs, false);
    if (dueInMs <= 0) return sleep(backOffIfDue ? LOCKED_RETRY_MS : 0, false);
    return sleep(dueInMs, true);
  }

  /**
   * Fires the slot at `at` ahead of it (`tickAhead`) and starts its runs at `end`. Null when it
   * cannot (no local worker, a test clock, or the tick rolled back): the slot then fires at its
   * instant. The wait for the slot is not cut short by `wake()` or `stop()`: the runs are this
   * process's to start, and no sooner than their slot.
   */
  async function fireAhead(at: Date, end: number): Promise<TickResult | null> {
    if (!runtime.localWorker() || sqlNow(runtime.clock) !== null) return null;
    const ahead = await tickAhead(runtime, at);
    if (!ahead) return null;
    await createWakeSignal().wait(end - performance.now(), { precise: true });
    ahead.start();
    return ahead.result;
  }

  /** Ticks until a tick comes back short of the batch limit. */
  async function lane(): Promise<void> {
    let hasMore = true;
    while (running && hasMore) ({ hasMore } = await tick(runtime));
  }

  /** One tick; on a backlog, the other lanes join while it runs, and it goes on as a lane. */
  async function tickAndDrain(): Promise<TickResult> {
    const lanes: Promise<void>[] = [];
    const joinLanes = () => {
      while (lanes.length < BACKLOG_LANES - 1) lanes.push(lane());
    };
    const [first] = await Promise.allSettled([
      tick(runtime, { onBacklog: joinLanes }).then(async (result) => {
        if (result.hasMore) await lane();
        return result;
      }),
    ]);
    // Settle every lane before reporting a failure: no transaction is left running.
    const failed = [first, ...(await Promise.allSettled(lanes))].find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return (first as PromiseFulfilledResult<TickResult>).value;
  }

  async function runLoop(): Promise<void> {
    /** A tick that fired ahead of its slot: the loop goes on from it instead of ticking at the slot. */
    let firedAhead: TickResult | null = null;
    while (running) {
      try {
        const result = firedAhead ?? (await tickAndDrain());
        firedAhead = null;
        if (failures > 0) {
          runtime.logger.info({ loop: 'scheduler', failures }, 'database reachable again; scheduler resumed');
          runtime.events.emit('db:connection:restored', { loop: 'scheduler' });
          failures = 0;
        }
        let sleep = await nextSleep(result.schedules === 0);
        const { fireAheadMs } = runtime.config.scheduler;
        if (sleep.precise && fireAheadMs > 0 && sleep.ms > fireAheadMs && running) {
          if (await wake.wait(sleep.ms - fireAheadMs)) continue;
          sleep = await nextSleep(false);
          // Only the slot asked about: one further away (after a change meanwhile) is slept for
          // as usual, not waited for uninterruptibly.
          const slot = sleep.precise && sleep.ms <= fireAheadMs && running ? sleep.at : null;
          if (slot && (firedAhead = await fireAhead(slot, sleep.end))) continue;
        }
        if (sleep.precise && sleep.end - performance.now() > REFINE_LEAD_MS && running) {
          // Just after a tick the answer may have waited here behind other work (the worker
          // starting the slot's runs), and the wake-up counted from it would be as late: sleep
          // until shortly before the slot and ask again, on a quiet event loop.
          if (await wake.wait(sleep.end - performance.now() - REFINE_LEAD_MS)) continue;
          sleep = await nextSleep(false);
        }
        const left = sleep.end - performance.now();
        if (left > 0 && running) await wake.wait(left, { precise: sleep.precise });
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
      warmUpCron();
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
