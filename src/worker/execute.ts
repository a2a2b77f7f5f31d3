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
 */
import type { JobContext } from '../define.js';
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

export interface Execution {
  run: JobRun;
  abort(cause: AbortCause): void;
  /** The attempt's end, or `hand_back` when the run must go back to pending untouched. */
  settled: Promise<{ end: AttemptEnd; outcome: RunOutcome; durationMs: number; metrics: Record<string, unknown> } | { handBack: true }>;
}

function parsePayload(job: JobType, payload: unknown): unknown {
  if (!job.payloadSchema) return payload;
  const parsed = job.payloadSchema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`).join('; ');
  throw new NonRetryableError(`invalid payload for ${job.name}: ${issues}`);
}

async function runHandler(runtime: Runtime, job: JobType, base: Omit<JobContext, 'payload' | 'step' | 'metrics'>, payload: unknown, metrics: ReturnType<typeof createRunMetrics>) {
  if (!job.steps) {
    return job.run!({ ...base, payload: parsePayload(job, payload), step: null, metrics: metrics.root });
  }
  const results: Record<string, unknown> = {};
  for (const stepName of job.steps) {
    base.signal.throwIfAborted();
    const step = runtime.registry.require(stepName);
    const started = performance.now();
    base.log.info(`step ${stepName} started`);
    results[stepName] = await step.run!({ ...base, payload: parsePayload(step, payload), step: stepName, metrics: metrics.step(stepName) });
    metrics.step(stepName).set('duration_ms', Math.round(performance.now() - started));
    base.log.info(`step ${stepName} finished`);
  }
  return { steps: results };
}

export function executeRun(runtime: Runtime, run: JobRun, logs: RunLogBuffer): Execution {
  const controller = new AbortController();
  let cause: AbortCause | null = null;
  const abort = (next: AbortCause) => {
    if (cause) return;
    cause = next;
    controller.abort(new Error(next.kind === 'cancel' ? next.reason : next.kind));
  };
  const settled = (async () => {
    const started = performance.now();
    const metrics = createRunMetrics();
    const timer = run.timeoutSeconds ? setTimeout(() => abort({ kind: 'timeout', timeoutSeconds: run.timeoutSeconds! }), run.timeoutSeconds * 1000) : null;
    let end: AttemptEnd;
    try {
      const job = runtime.registry.get(run.jobType);
      if (!job) throw new NonRetryableError(`no handler for job type "${run.jobType}" in this worker`);
      const log = logs.loggerFor(run.id);
      const base = {
        runId: run.id,
        attempt: run.attempt,
        maxAttempts: run.maxAttempts,
        jobType: run.jobType,
        tenantId: run.tenantId,
        scheduledJobId: run.scheduledJobId,
        batchId: run.batchId,
        scheduledFor: run.scheduledFor,
        signal: controller.signal,
        log,
      };
      const result = await raceAbort(Promise.resolve().then(() => runHandler(runtime, job, base, run.payload, metrics)), controller.signal);
      end = cause ? endFromCause(cause) : { kind: 'succeeded', result };
    } catch (thrown) {
      end = cause ? endFromCause(cause) : { kind: 'threw', error: coerceError(thrown) };
    } finally {
      if (timer) clearTimeout(timer);
    }
    const durationMs = Math.round(performance.now() - started);
    if (cause && ((cause as AbortCause).kind === 'shutdown' || (cause as AbortCause).kind === 'lease_lost')) return { handBack: true as const };
    const recorded = { ...metrics.snapshot(), duration_ms: durationMs };
    const outcome = computeOutcome(
      end,
      { attempt: run.attempt, maxAttempts: run.maxAttempts, retryBaseMs: runtime.config.worker.retryBaseMs, retryMaxMs: runtime.config.worker.retryMaxMs },
      runtime.random,
    );
    return { end, outcome, durationMs, metrics: recorded };
  })();
  return { run, abort, settled };
}

function endFromCause(cause: AbortCause): AttemptEnd {
  if (cause.kind === 'timeout') return { kind: 'timed_out', timeoutSeconds: cause.timeoutSeconds };
  if (cause.kind === 'cancel') return { kind: 'cancelled', reason: cause.reason };
  return { kind: 'cancelled', reason: cause.kind };
}

/**
 * Resolves with the handler's result, or, once `signal` aborts, rejects after a short grace
 * even if the handler ignores its signal: a stuck handler must not hold the worker forever.
 */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | null = null;
    const onAbort = () => {
      timer = setTimeout(() => reject(signal.reason), ABORT_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
    });
  });
}
