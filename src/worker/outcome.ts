/**
 * How an attempt ends, as data (the Oban idea): pure decision from what the handler did to the
 * run's next state. No database, no clock reads.
 *
 * - succeeded → `completed`
 * - threw / timed out → `pending` again after a backoff delay while attempts remain, else
 *   `failed`. The delay, not an instant, is the output: the database adds it to its own clock, so
 *   a worker with a skewed clock neither retries early nor late. A `NonRetryableError` fails at once. Backoff doubles per attempt from
 *   `retryBaseMs`, capped at `retryMaxMs`, with jitter so a burst of failures does not retry in
 *   lockstep.
 * - cancelled → `cancelled` (never retried)
 */
import { NonRetryableError } from '../errors.js';
import { computeBackoffMs } from '../util/backoff.js';

export type AttemptEnd =
  | { kind: 'succeeded'; result: unknown }
  | { kind: 'threw'; error: Error }
  | { kind: 'timed_out'; timeoutSeconds: number }
  | { kind: 'cancelled'; reason: string };

export interface RunOutcome {
  status: 'completed' | 'failed' | 'cancelled' | 'pending';
  errorMessage: string | null;
  result: unknown;
  /** How long after now the next attempt may start (retries only). */
  retryDelayMs: number | null;
  willRetry: boolean;
}

export interface OutcomePolicy {
  attempt: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export function describeAttemptError(end: AttemptEnd): string | null {
  switch (end.kind) {
    case 'succeeded':
      return null;
    case 'threw':
      return end.error.message || end.error.name || 'handler failed';
    case 'timed_out':
      return `timed out after ${end.timeoutSeconds} s`;
    case 'cancelled':
      return end.reason;
  }
}

export function computeOutcome(end: AttemptEnd, policy: OutcomePolicy, random: () => number = Math.random): RunOutcome {
  if (end.kind === 'succeeded') return { status: 'completed', errorMessage: null, result: end.result ?? null, retryDelayMs: null, willRetry: false };
  const errorMessage = describeAttemptError(end);
  if (end.kind === 'cancelled') return { status: 'cancelled', errorMessage, result: null, retryDelayMs: null, willRetry: false };
  const retryable = !(end.kind === 'threw' && end.error instanceof NonRetryableError);
  if (retryable && policy.attempt < policy.maxAttempts) {
    const retryDelayMs = computeBackoffMs(policy.attempt, { baseMs: policy.retryBaseMs, maxMs: policy.retryMaxMs }, random);
    return { status: 'pending', errorMessage, result: null, retryDelayMs, willRetry: true };
  }
  return { status: 'failed', errorMessage, result: null, retryDelayMs: null, willRetry: false };
}
