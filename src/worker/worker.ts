/**
 * The worker loop: claims pending runs and executes their handlers, at most `concurrency` at
 * once in this process.
 *
 * The hot path, per run: a share of one claim statement (up to `worker.batchSize` runs each),
 * the handler, and a share of one outcome transaction (`outcome-writer.ts` batches every
 * outcome that finished during the previous write). A finished handler frees its slot at once;
 * its outcome is written behind it.
 *
 * States:
 * - idle: nothing claimable; sleeps up to `worker.pollMs`, and claims at once for new runs
 *   (a NOTIFY from any process) or ends that may have made runs claimable, and at the instant
 *   a delayed run or a retry it was told of becomes claimable (`claim-wake.ts`).
 * - claiming: one claim statement for up to the free capacity plus `worker.prefetch` runs
 *   held ready in a local queue (plus one short transaction per job type with a cluster-wide
 *   cap). A full claim loops at once: more work is likely.
 * - running at capacity: waits for a handler to finish.
 * - draining (`stop()`): claims nothing more, hands queued runs back, waits up to
 *   `shutdownGraceMs` for running handlers, then aborts the rest and hands their runs back as
 *   pending, and writes every outcome still waiting.
 * - stopped.
 *
 * Queued runs are claimed (`running`, leased to this worker) but not started. Prefetching is
 * off by default: a run queued here cannot be taken by an idle worker elsewhere, which only
 * pays for short handlers. Their `started_at` is moved to the handler's real start when the
 * outcome is written.
 *
 * Alongside, a heartbeat timer renews the leases of runs held here (queued, executing, or
 * waiting for their outcome to be written), noticing cancellations and leases lost to
 * recovery, and a flush timer writes buffered log lines. Database errors back off with jitter;
 * the loop never exits over them.
 *
 * Fencing: a worker cut off from the database cannot renew its leases, and once they lapse
 * another process may recover its runs and start them. So the worker keeps its own copy of
 * each lease's end (counted from before the statement that granted it, so never later than
 * the database's) and, a margin before it, aborts a handler still running under it and drops
 * a queued run it has not started. Without this, a worker behind a stalled connection started a
 * prefetched run after its lease had lapsed, while another process ran it too.
 */
import { handBackRuns, renewLeases } from '../db/queries/leases.js';
import { appendLogLines } from '../db/queries/run-logs.js';
import { describeDatabaseError } from '../db/retryable.js';
import { coerceError } from '../errors.js';
import type { JobRun } from '../model.js';
import type { LocalWorker, Runtime } from '../runtime.js';
import { computeBackoffMs } from '../util/backoff.js';
import { sqlNow } from '../util/clock.js';
import { sleep } from '../util/sleep.js';
import { executeRun, type Execution, type Settled } from './execute.js';
import { createOutcomeWriter, type PendingOutcome, type WrittenBatch } from './outcome-writer.js';
import { createRunLogBuffer } from './run-log-buffer.js';
import { createClaimer } from './claim.js';
import { ClaimWake } from './claim-wake.js';
import { LeaseFences } from './lease-fences.js';

export interface Worker extends LocalWorker {
  start(): void;
  /** Claims and starts no more runs, at once; `stop()` then hands back what it holds and drains. */
  halt(): void;
  stop(): Promise<void>;
  wake(): void;
  /** Wakes the worker at `at` (epoch ms), when runs it may claim become claimable. */
  wakeAt(at: number): void;
  /** Aborts a run this worker executes, or drops it from the queue (a cancel NOTIFY arrived). */
  cancel(runId: string, reason?: string): void;
  /** Ids of runs executing here now. */
  activeRunIds(): string[];
}

const LOG_FLUSH_MS = 300;
/** How often held leases are checked against their local end. */
const FENCE_CHECK_MS = 250;
/** Shortest time a worker keeps trying to record an outcome while the database is away. */
const REPORT_RETRY_MIN_MS = 120_000;

interface Outcome extends PendingOutcome {
  run: JobRun;
  settled: Exclude<Settled, { handBack: true }>;
}

interface Queued {
  run: JobRun;
  /** `performance.now()` at the claim. */
  claimedAt: number;
}

export function createWorker(runtime: Runtime, workerId: string): Worker {
  const { config, logger } = runtime;
  const { concurrency, prefetch, batchSize } = config.worker;
  const wake = new ClaimWake(runtime.clock, config.worker.pollMs);
  const queue: Queued[] = [];
  const active = new Map<string, Execution>();
  const logs = createRunLogBuffer();
  const outcomes = createOutcomeWriter<Outcome>(runtime, logs, announce);
  const { claim, adoptable } = createClaimer(runtime, workerId);
  let running = false;
  let loop: Promise<void> | null = null;
  /** Hand-backs of runs adopted while halting, which `stop()` waits for. */
  const handingBack = new Set<Promise<void>>();
  let timers: NodeJS.Timeout[] = [];
  let failures = 0;
  const fences = new LeaseFences(config.worker.leaseMs);

  /**
   * Queues runs leased to this worker by a statement sent at `askedAt` and starts what fits;
   * `claimedAt` is where their wait in the queue counts from.
   */
  function take(runs: readonly JobRun[], askedAt: number, claimedAt: number): void {
    for (const run of runs) {
      queue.push({ run, claimedAt });
      fences.hold(run.id, askedAt);
    }
    startQueued();
  }

  /** Takes the queued runs `drop` picks out of the queue (they will not start here). */
  function dropQueued(drop: (runId: string) => boolean): Queued[] {
    const dropped: Queued[] = [];
    let kept = 0;
    for (const entry of queue) {
      if (drop(entry.run.id)) {
        dropped.push(entry);
        fences.forget(entry.run.id);
      } else {
        queue[kept++] = entry;
      }
    }
    queue.length = kept;
    return dropped;
  }

  /** Stops what runs under a lease that is about to lapse unrenewed (see Fencing above). */
  function fence(): void {
    const now = performance.now();
    if (!fences.mayHaveLapsed(now)) return;
    const lapsing = (id: string) => fences.lapsed(id, now);
    const dropped = dropQueued(lapsing);
    if (dropped.length > 0) {
      logger.warn({ runs: dropped.length }, 'dropped queued runs whose lease could not be renewed; another worker will run them');
    }
    for (const [id, execution] of active) {
      if (!lapsing(id)) continue;
      execution.abort({ kind: 'lease_lost' });
      fences.forget(id); // aborted once; its end removes it from `active`
    }
    fences.settle();
  }

  /** Starts queued runs while there is room. */
  function startQueued(): void {
    fence();
    while (running && active.size < concurrency && queue.length > 0) {
      const { run, claimedAt } = queue.shift()!;
      dispatch(run, performance.now() - claimedAt);
    }
  }

  function dispatch(run: JobRun, queuedMs: number): void {
    // Claimed again after its lease lapsed here: the older attempt is no longer ours.
    active.get(run.id)?.abort({ kind: 'lease_lost' });
    const execution: Execution = executeRun(runtime, run, logs, (settled) => settle(execution, settled, queuedMs));
    active.set(run.id, execution);
    runtime.events.emit('run:claimed', { run });
    execution.start();
  }

  /** Records how a dispatched run ended (or hands it back) and frees its slot. */
  function settle(execution: Execution, settled: Settled, queuedMs: number): void {
    const { run } = execution;
    if ('handBack' in settled) {
      void handBackRuns(runtime.db, runtime.schema, [run], workerId)
        .catch(() => {})
        .then(() => {
          runtime.events.emit('run:handed-back', { runId: run.id });
          release(execution);
        });
      return;
    }
    try {
      record(run, settled, queuedMs);
    } catch (error) {
      logger.error({ runId: run.id, err: coerceError(error).message }, 'could not record the end of a run');
    }
    // Not at once: a handler without a promise ends inside `startQueued`, which would recurse,
    // and the claim loop must get its turn between two runs to refill the queue in time.
    queueMicrotask(() => release(execution));
  }

  /** Frees a finished run's slot and fills it. */
  function release(execution: Execution): void {
    const { run } = execution;
    if (active.get(run.id) === execution) {
      active.delete(run.id);
      fences.forget(run.id);
    }
    startQueued();
    // A freed slot asks for a claim only of a loop that stopped claiming for want of room; an
    // idle one (its last claim took every run it could) learns of new runs from their NOTIFY.
    wake.recheck();
  }

  /** Hands an attempt's end to the outcome writer. */
  function record(run: JobRun, settled: Outcome['settled'], queuedMs: number): void {
    const { outcome, metrics } = settled;
    outcomes.add({
      run,
      settled,
      deadline: performance.now() + Math.max(config.worker.leaseMs * 2, REPORT_RETRY_MIN_MS),
      item: {
        record: { id: run.id, workerId, attempt: run.attempt, status: outcome.status, errorMessage: outcome.errorMessage, result: outcome.result, metrics, retryDelayMs: outcome.retryDelayMs, queuedMs: Math.round(queuedMs) },
        attempt: run.attempt,
        lines: [],
        scheduled: run.scheduledJobId !== null,
        unblocks: run.batchId !== null || run.scheduledJobId !== null || !adoptable.has(run.jobType),
      },
    });
  }

  /** Cancels a run executing here, or one waiting in the queue (it ends without starting). */
  function cancelHeld(runId: string, reason: string): void {
    const execution = active.get(runId);
    if (execution) return execution.abort({ kind: 'cancel', reason });
    const [queued] = dropQueued((id) => id === runId);
    if (!queued) return;
    const { run, claimedAt } = queued;
    const end = { kind: 'cancelled' as const, reason };
    const outcome = { status: 'cancelled' as const, errorMessage: reason, result: null, retryDelayMs: null, willRetry: false };
    record(run, { end, outcome, durationMs: 0, metrics: {} }, performance.now() - claimedAt);
  }

  function announce({ entries, finished, autoPaused }: WrittenBatch<Outcome>): void {
    for (const { run, settled } of entries) {
      if (!finished.has(run.id)) continue;
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
    for (const scheduleId of autoPaused) runtime.events.emit('schedule:auto-paused', { scheduleId });
    // Claim at once what the ends made claimable; otherwise only look again at how many runs
    // to claim (outcomes waiting to be written hold claims back).
    if (entries.some(({ run, item }) => item.unblocks && finished.has(run.id))) wake.askClaim();
    else wake.recheck();
  }

  /**
   * Runs to claim now: free capacity plus the prefetch, unless outcomes pile up unwritten.
   * With a prefetch, the queue is refilled once it is half empty, in one claim of at least half
   * the prefetch: refilled at every finished run, a busy worker fell into claiming one run per
   * statement (and per commit), about 600 runs/s instead of 12,000.
   */
  function wanted(): number {
    if (outcomes.size() >= concurrency + prefetch + batchSize) return 0;
    if (prefetch > 0 && queue.length > prefetch / 2) return 0;
    return Math.max(0, concurrency + prefetch - active.size - queue.length);
  }

  async function runLoop(): Promise<void> {
    while (running) {
      const want = wanted();
      if (want === 0) {
        // Full, or outcomes pile up unwritten: nothing to ask the database, so nothing learnt
        // of it either (after a failure, only a claim that succeeds says it is back).
        await wake.wait(config.worker.pollMs);
        continue;
      }
      try {
        const askedAt = performance.now();
        const claimed = await wake.claiming(() => claim(want));
        if (failures > 0) {
          logger.info({ loop: 'worker', failures }, 'database reachable again; worker resumed');
          runtime.events.emit('db:connection:restored', { loop: 'worker' });
          failures = 0;
        }
        take(claimed, askedAt, performance.now());
        if (claimed.length > 0 && claimed.length >= Math.min(want, batchSize)) continue;
        await wake.idle(() => running);
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
    // Only runs held when the statement starts: one claimed meanwhile is not in its answer.
    const executing = [...active.keys()];
    const queued = queue.map((entry) => entry.run.id);
    const askedAt = performance.now();
    const held = await renewLeases(runtime.db, runtime.schema, workerId, [...executing, ...queued, ...outcomes.ids()], { leaseMs: config.worker.leaseMs, now: sqlNow(runtime.clock) });
    const stillOurs = new Set(held.map((row) => row.id));
    for (const row of held) if (fences.holds(row.id)) fences.hold(row.id, askedAt);
    for (const row of held) if (row.cancel_requested) cancelHeld(row.id, 'cancelled by request');
    // A run we hold no longer (recovered elsewhere, or already ended) stops here. An unwritten
    // outcome needs nothing: the database drops it as stale.
    for (const id of executing) if (!stillOurs.has(id)) active.get(id)?.abort({ kind: 'lease_lost' });
    const lost = new Set(queued.filter((id) => !stillOurs.has(id)));
    if (lost.size > 0) dropQueued((id) => lost.has(id));
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
      if (loop) return;
      running = true;
      every(config.worker.heartbeatMs, heartbeat);
      every(FENCE_CHECK_MS, async () => fence());
      every(LOG_FLUSH_MS, flushLogs);
      loop = runLoop();
    },
    halt() {
      running = false;
      wake.recheck();
    },
    async stop() {
      if (!loop) return;
      running = false;
      wake.recheck();
      await loop;
      loop = null;
      // Never started here: back to pending at once, their attempt not counted.
      const unstarted = dropQueued(() => true).map((entry) => entry.run);
      await handBackRuns(runtime.db, runtime.schema, unstarted, workerId).catch((error) =>
        logger.warn({ err: coerceError(error).message, runs: unstarted.length }, 'could not hand queued runs back; their leases will lapse'),
      );
      const deadline = Date.now() + config.worker.shutdownGraceMs;
      while (active.size > 0 && Date.now() < deadline) await wake.wait(Math.min(100, deadline - Date.now()));
      const unfinished = [...active.values()];
      for (const execution of unfinished) execution.abort({ kind: 'shutdown' });
      // Each ends within its grace after the abort, handed back.
      while (active.size > 0) await wake.wait(50);
      await outcomes.drain();
      await Promise.all(handingBack);
      for (const timer of timers) clearInterval(timer);
      timers = [];
      await flushLogs();
    },
    wake: () => wake.askClaim(),
    wakeAt: (at) => wake.dueAt(at),
    cancel(runId, reason = 'cancelled by request') {
      cancelHeld(runId, reason);
    },
    activeRunIds: () => [...active.keys()],
    room: () => ({
      workerId,
      leaseMs: config.worker.leaseMs,
      slots: running && queue.length === 0 ? Math.max(0, concurrency - active.size) : 0,
      jobTypes: adoptable,
    }),
    adopt(runs, askedAt, startedAt = askedAt) {
      if (!running) {
        // Handed over while halting: back to pending (else their leases lapse), before `stop()` ends.
        const back = handBackRuns(runtime.db, runtime.schema, runs, workerId)
          .catch(() => {})
          .then(() => void handingBack.delete(back));
        handingBack.add(back);
        return;
      }
      // Counted from the tick's now, as the database's `started_at` is: the outcome then moves
      // `started_at` by the whole wait, the tick's commit included.
      take(runs, askedAt, startedAt);
    },
  };
}
