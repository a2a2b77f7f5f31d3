import { describe, expect, test } from 'vitest';
import { computeOutcome } from '../../../src/worker/outcome.js';
import { NonRetryableError } from '../../../src/errors.js';

const policy = { attempt: 1, maxAttempts: 3, retryBaseMs: 1000, retryMaxMs: 60_000 };

describe('attempt outcomes', () => {
  test('success completes with the result', () => {
    expect(computeOutcome({ kind: 'succeeded', result: { ok: 1 } }, policy)).toMatchObject({ status: 'completed', result: { ok: 1 }, willRetry: false });
  });

  test('a failure with attempts left retries after a backoff that grows per attempt', () => {
    const first = computeOutcome({ kind: 'threw', error: new Error('boom') }, policy, () => 1);
    const second = computeOutcome({ kind: 'threw', error: new Error('boom') }, { ...policy, attempt: 2 }, () => 1);
    expect(first).toMatchObject({ status: 'pending', errorMessage: 'boom', willRetry: true });
    expect(first.retryDelayMs).toBe(1000);
    expect(second.retryDelayMs).toBe(2000);
  });

  test('the last attempt fails for good; NonRetryableError fails at once', () => {
    expect(computeOutcome({ kind: 'threw', error: new Error('boom') }, { ...policy, attempt: 3 })).toMatchObject({ status: 'failed', willRetry: false });
    expect(computeOutcome({ kind: 'threw', error: new NonRetryableError('bad input') }, policy)).toMatchObject({ status: 'failed', errorMessage: 'bad input' });
  });

  test('a timeout fails the attempt with its duration and may retry', () => {
    expect(computeOutcome({ kind: 'timed_out', timeoutSeconds: 5 }, policy)).toMatchObject({ status: 'pending', errorMessage: 'timed out after 5 s' });
  });

  test('cancellation is never retried', () => {
    expect(computeOutcome({ kind: 'cancelled', reason: 'cancelled by ops' }, policy)).toMatchObject({ status: 'cancelled', errorMessage: 'cancelled by ops', willRetry: false });
  });
});
