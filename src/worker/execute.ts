/**
 * Executing one claimed run: a straight pipeline of small steps (the Oban executor idea):
 * build the context → run the handler (or the pipeline's steps) under its AbortSignal and
 * timeout → turn what happened into an outcome (`outcome.ts`) → report it. Reporting is
 * retried with backoff, so a database blip cannot lose an outcome; if the run's lease was
 * taken over meanwhile, the report is dropped by the database (at-least-once).
 *
 * Aborts come from three places, each with its own end: the timeout (the attempt fails and
 * may retry), cancellation (the run ends `cancelled`), and shutdown or a lost lease (the run
 * is handed back, never reported as an outcome).
 *
 * This is per-run overhead on the worker's hot path, so the context's `signal`, `log` and
 * `metrics` are made on first use, and an abort starts the handler's grace period directly
 * instead of through a listener on the signal. Measured with 20,000 no-op runs through
 * `executeRun` in one process: about 35 µs of CPU per run with all of them made up front,
 * about 12 µs made on demand.
 *
 * The attempt ends through a callback, not a promise: a handler that returns at once (no
 * promise) ends inside `start()`, and one that returns a promise ends in that promise's own
 * `then`, with no promise of ours around it. The execution and the context are class instances
 * whose methods and accessors are shared, where they were closures and an object literal with
 * getters made per run. A busy worker (20,000 no-op runs, concurrency 50, sampling heap
 * profile) allocates 5.2 KB per run instead of 7.3, and its CPU per run fell from 33.4 to 29.2 µs
 * (medians of 12 interleaved runs each).
 */
import type { JobContext, RunLogger, RunMetrics } from '../define.js';
import { coerceError, NonRetryableError } from '../errors.js';
import type { JobRun } from '../model.js';
import type { Runtime } from '../runtime.js';
import type { JobType } from '../registry/registry.js';
import { computeOutcome, type AttemptEnd, type RunOutcome } from './outcome.js';
import { createRunMetrics } from './run-metrics.js';
import type { RunLogBuffer } from './run-log-buffer.js';

/** Why a handler's signal was aborted. */
export type AbortCause =
  | { kind: 'timeout'; timeoutSeconds: number }
  | { kind: 'cancel'; reason: string }
  | { kind: 'shutdown' }
  | { kind: 'lease_lost' };

/** How long a handler may keep running after its signal aborted before the worker moves on. */
const ABORT_GRACE_MS = 1000;

/** The attempt's end, or `handBack` when the run must go back to pending untouched. */
export type Settled = { end: AttemptEnd; outcome: RunOutcome; durationMs: number; metrics: Record<string, unknown> } | { handBack: true };

export interface Execution {
  readonly run: JobRun;
  /** Runs the handler; `onSettled` is called once, when the attempt has ended. */
  start(): void;
  abort(cause: AbortCause): void;
}

function parsePayload(job: JobType, payload: unknown): unknown {
  if (!job.payloadSchema) return payload;
  const parsed = job.payloadSchema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`).join('; ');
  throw new NonRetryableError(`invalid payload for ${job.name}: ${issues}`);
}

const abortReason = (cause: AbortCause) => new Error(cause.kind === 'cancel' ? cause.reason : cause.kind);

export function executeRun(runtime: Runtime, run: JobRun, logs: RunLogBuffer, onSettled: (settled: Settled) => void): Execution {
  return new RunExecution(runtime, run, logs, onSettled);
}

/**
 * One attempt of one run. A class rather than a closure per piece: a busy worker makes one per
 * run, and its methods are shared.
 */
class RunExecution implements Execution {
  readonly run: JobRun;
  readonly #runtime: Runtime;
  readonly #logs: RunLogBuffer;
  readonly #onSettled: (settled: Settled) => void;
  #cause: AbortCause | null = null;
  #controller: AbortController | null = null;
  #log: RunLogger | null = null;
  #metrics: ReturnType<typeof createRunMetrics> | null = null;
  #startedAt = 0;
  #timer: NodeJS.Timeout | null = null;
  /** Set once the handler answered with a promise: an abort then starts its grace period. */
  #waiting = false;
  #grace: NodeJS.Timeout | null = null;
  #ended = false;

  constructor(runtime: Runtime, run: JobRun, logs: RunLogBuffer, onSettled: (settled: Settled) => void) {
    this.run = run;
    this.#runtime = runtime;
    this.#logs = logs;
    this.#onSettled = onSettled;
  }

  signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#cause) this.#controller.abort(abortReason(this.#cause));
    }
    return this.#controller.signal;
  }

  logger(): RunLogger {
    return (this.#log ??= this.#logs.loggerFor(this.run.id));
  }

  metrics(step: string | null): RunMetrics {
    const metrics = (this.#metrics ??= createRunMetrics());
    return step === null ? metrics.root : metrics.step(step);
  }

  abort(next: AbortCause): void {
    if (this.#cause) return;
    this.#cause = next;
    this.#controller?.abort(abortReason(next));
    if (this.#waiting) this.#startGrace();
  }

  start(): void {
    const { run } = this;
    this.#startedAt = performance.now();
    if (run.timeoutSeconds) {
      this.#timer = setTimeout(() => this.abort({ kind: 'timeout', timeoutSeconds: run.timeoutSeconds! }), run.timeoutSeconds * 1000);
    }
    let answer: unknown;
    try {
      const job = this.#runtime.registry.get(run.jobType);
      if (!job) throw new NonRetryableError(`no handler for job type "${run.jobType}" in this worker`);
      answer = job.steps ? this.#runSteps(job.steps) : job.run!(new RunContext(this, run, parsePayload(job, run.payload), null));
      if (isThenable(answer)) {
        this.#waiting = true;
        if (this.#cause) this.#startGrace();
        answer.then(
          (result) => this.#end({ kind: 'succeeded', result }),
          (error: unknown) => this.#end({ kind: 'threw', error: coerceError(error) }),
        );
        return;
      }
    } catch (thrown) {
      return this.#end({ kind: 'threw', error: coerceError(thrown) });
    }
    // A handler that returns at once is settled without any promise: most of a no-op run's cost
    // was the promises around it.
    this.#end({ kind: 'succeeded', result: answer });
  }

  async #runSteps(steps: readonly string[]): Promise<unknown> {
    const results: Record<string, unknown> = {};
    for (const stepName of steps) {
      if (this.#cause) throw abortReason(this.#cause);
      const step = this.#runtime.registry.require(stepName);
      const started = performance.now();
      this.logger().info(`step ${stepName} started`);
      results[stepName] = await step.run!(new RunContext(this, this.run, parsePayload(step, this.run.payload), stepName));
      this.metrics(stepName).set('duration_ms', Math.round(performance.now() - started));
      this.logger().info(`step ${stepName} finished`);
    }
    return { steps: results };
  }

  /**
   * Once aborted, a handler gets a short grace to return; then the attempt ends without it: a
   * stuck handler must not hold the worker forever.
   */
  #startGrace(): void {
    this.#grace ??= setTimeout(() => this.#end({ kind: 'threw', error: abortReason(this.#cause!) }), ABORT_GRACE_MS);
  }

  /** Ends the attempt once: an abort's cause wins over what the handler did. */
  #end(handlerEnd: AttemptEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#grace) clearTimeout(this.#grace);
    this.#onSettled(this.#settle(this.#cause ? endFromCause(this.#cause) : handlerEnd));
  }

  #settle(end: AttemptEnd): Settled {
    const cause = this.#cause;
    if (cause && (cause.kind === 'shutdown' || cause.kind === 'lease_lost')) return { handBack: true };
    const durationMs = Math.round(performance.now() - this.#startedAt);
    const { config, random } = this.#runtime;
    const outcome = computeOutcome(
      end,
      { attempt: this.run.attempt, maxAttempts: this.run.maxAttempts, retryBaseMs: config.worker.retryBaseMs, retryMaxMs: config.worker.retryMaxMs },
      random,
    );
    return { end, outcome, durationMs, metrics: { ...this.#metrics?.snapshot(), duration_ms: durationMs } };
  }
}

/**
 * What a handler (or a pipeline's step) receives. `signal`, `log` and `metrics` are made on
 * first use: most handlers never touch them.
 */
class RunContext implements JobContext {
  readonly runId: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly jobType: string;
  readonly tenantId: string | null;
  readonly scheduledJobId: string | null;
  readonly batchId: string | null;
  readonly scheduledFor: Date | null;
  readonly payload: unknown;
  readonly step: string | null;
  readonly #execution: RunExecution;

  constructor(execution: RunExecution, run: JobRun, payload: unknown, step: string | null) {
    this.runId = run.id;
    this.attempt = run.attempt;
    this.maxAttempts = run.maxAttempts;
    this.jobType = run.jobType;
    this.tenantId = run.tenantId;
    this.scheduledJobId = run.scheduledJobId;
    this.batchId = run.batchId;
    this.scheduledFor = run.scheduledFor;
    this.payload = payload;
    this.step = step;
    this.#execution = execution;
  }

  get signal(): AbortSignal {
    return this.#execution.signal();
  }

  get log(): RunLogger {
    return this.#execution.logger();
  }

  get metrics(): RunMetrics {
    return this.#execution.metrics(this.step);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function endFromCause(cause: AbortCause): AttemptEnd {
  if (cause.kind === 'timeout') return { kind: 'timed_out', timeoutSeconds: cause.timeoutSeconds };
  if (cause.kind === 'cancel') return { kind: 'cancelled', reason: cause.reason };
  return { kind: 'cancelled', reason: cause.kind };
}
