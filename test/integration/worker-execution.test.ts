/**
 * Executing runs (SPEC §4): claim order, retries with backoff, non-retryable errors, timeouts,
 * cancellation, retrying finished runs, and payload validation at enqueue.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/define.js';
import { NonRetryableError } from '../../src/errors.js';
import type { Hourglass } from '../../src/hourglass.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createDeferred, whenAborted, type Deferred } from '../helpers/deferred.js';
import { waitFor, waitForEvent, waitForRunStatus } from '../helpers/wait.js';

const env = setupTestDatabase();

/** Handlers that ignore their signal wait on these; released after each test. */
let stuck: Deferred[] = [];
afterEach(() => {
  for (const deferred of stuck.splice(0)) deferred.resolve();
});

async function countRows(hg: Hourglass, table: string): Promise<number> {
  const { rows } = await env.db().query<{ n: number }>(`select count(*)::int as n from "${hg.config.schema}".${table}`);
  return rows[0]!.n;
}

async function logMessages(hg: Hourglass, runId: string): Promise<string[]> {
  return (await hg.runs.logs(runId)).map((line) => line.message);
}

describe('claim order', () => {
  test('a worker takes runs by priority, then by run_after, then by creation, and leaves future runs alone', async () => {
    const order: string[] = [];
    const recorder = defineJob<{ label: string }>({
      name: 'recorder',
      async run(ctx) {
        order.push(ctx.payload.label);
      },
    });
    const hg = await env.create({ jobs: [recorder], worker: { enabled: true, concurrency: 1 } });
    const base = Date.now() - 60_000;
    const at = (offsetSeconds: number) => new Date(base + offsetSeconds * 1000);
    const specs = [
      { label: 'low-later', priority: 0, runAfter: at(30) },
      { label: 'low-earliest', priority: 0, runAfter: at(10) },
      { label: 'high', priority: 10, runAfter: at(50) },
      { label: 'tie-first', priority: 0, runAfter: at(20) },
      { label: 'tie-second', priority: 0, runAfter: at(20) },
      { label: 'middle', priority: 5, runAfter: at(40) },
      { label: 'negative', priority: -5, runAfter: at(0) },
    ];
    const runs = [];
    for (const spec of specs) {
      runs.push(await hg.runs.enqueue({ jobType: 'recorder', payload: { label: spec.label }, priority: spec.priority, runAfter: spec.runAfter }));
    }
    const future = await hg.runs.enqueue({ jobType: 'recorder', payload: { label: 'future' }, priority: 100, runAfter: new Date(Date.now() + 3_600_000) });

    await hg.start();
    for (const run of runs) await waitForRunStatus(hg, run.id, ['completed']);

    expect(order).toEqual(['high', 'middle', 'low-earliest', 'tie-first', 'tie-second', 'low-later', 'negative']);
    expect((await hg.runs.get(future.id)).status).toBe('pending');
  });
});

describe('retries with backoff', () => {
  test('a handler that fails twice then succeeds ends completed at attempt 3 with every error in its logs', async () => {
    const holder: { hg?: Hourglass } = {};
    const seen: Array<{ attempt: number; runAfter: Date; startedMs: number }> = [];
    const flaky = defineJob({
      name: 'flaky',
      async run(ctx) {
        const run = await holder.hg!.runs.get(ctx.runId);
        seen.push({ attempt: ctx.attempt, runAfter: run.runAfter, startedMs: Date.now() });
        if (ctx.attempt < 3) throw new Error(`boom on attempt ${ctx.attempt}`);
        return { attempt: ctx.attempt };
      },
    });
    const hg = (holder.hg = await env.create({ jobs: [flaky], worker: { enabled: true } }));
    const failures: Array<{ error: string; willRetry: boolean }> = [];
    hg.on('run:failed', ({ error, willRetry }) => failures.push({ error, willRetry }));
    await hg.start();

    const enqueued = await hg.runs.enqueue({ jobType: 'flaky' });
    const done = await waitForRunStatus(hg, enqueued.id, ['completed']);

    expect(done).toMatchObject({ attempt: 3, maxAttempts: 3, errorMessage: null, result: { attempt: 3 } });
    expect(failures).toEqual([
      { error: 'boom on attempt 1', willRetry: true },
      { error: 'boom on attempt 2', willRetry: true },
    ]);
    const messages = await logMessages(hg, enqueued.id);
    const retryLines = messages.filter((message) => message.startsWith('attempt '));
    expect(retryLines).toHaveLength(2);
    expect(retryLines[0]).toMatch(/^attempt 1 failed: boom on attempt 1; retrying after \d{4}-/);
    expect(retryLines[1]).toMatch(/^attempt 2 failed: boom on attempt 2; retrying after \d{4}-/);

    // run_after moved forward before each retry, and no attempt started before it.
    expect(seen.map((entry) => entry.attempt)).toEqual([1, 2, 3]);
    const retryAfter = retryLines.map((line) => new Date(line.slice(line.lastIndexOf(' ') + 1)));
    expect(seen[0]!.runAfter.getTime()).toBe(enqueued.runAfter.getTime());
    expect(seen[1]!.runAfter.getTime()).toBe(retryAfter[0]!.getTime());
    expect(seen[2]!.runAfter.getTime()).toBe(retryAfter[1]!.getTime());
    expect(seen[1]!.runAfter.getTime()).toBeGreaterThan(seen[0]!.runAfter.getTime());
    expect(seen[2]!.runAfter.getTime()).toBeGreaterThan(seen[1]!.runAfter.getTime());
    expect(seen[1]!.startedMs).toBeGreaterThanOrEqual(seen[1]!.runAfter.getTime() - 5);
    expect(seen[2]!.startedMs).toBeGreaterThanOrEqual(seen[2]!.runAfter.getTime() - 5);
  });

  test('a run whose attempts all fail ends failed with the last error', async () => {
    const doomed = defineJob({
      name: 'doomed',
      maxAttempts: 2,
      async run(ctx) {
        throw new Error(`still broken (attempt ${ctx.attempt})`);
      },
    });
    const hg = await env.create({ jobs: [doomed], worker: { enabled: true } });
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'doomed' });
    const failed = await waitForRunStatus(hg, run.id, ['failed']);
    expect(failed).toMatchObject({ attempt: 2, maxAttempts: 2, errorMessage: 'still broken (attempt 2)' });
    expect(failed.finishedAt).toBeInstanceOf(Date);
    const messages = await logMessages(hg, run.id);
    expect(messages).toContain('attempt 2 failed: still broken (attempt 2)');
    expect(messages.some((message) => message.startsWith('attempt 1 failed: still broken (attempt 1); retrying after'))).toBe(true);
  });
});

describe('non-retryable errors', () => {
  test('a NonRetryableError fails the run at once although attempts remain', async () => {
    let calls = 0;
    const fragile = defineJob({
      name: 'fragile',
      async run() {
        calls += 1;
        throw new NonRetryableError('brand 42 does not exist');
      },
    });
    const hg = await env.create({ jobs: [fragile], worker: { enabled: true } });
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'fragile', maxAttempts: 5 });
    const failed = await waitForRunStatus(hg, run.id, ['failed']);
    expect(failed).toMatchObject({ attempt: 1, maxAttempts: 5, errorMessage: 'brand 42 does not exist' });
    expect(calls).toBe(1);
    expect(await logMessages(hg, run.id)).toContain('attempt 1 failed: brand 42 does not exist');
  });
});

describe('handlers that answer without a promise', () => {
  test('a value returned at once is the result; a throw fails the attempt, which retries', async () => {
    let calls = 0;
    const quick = defineJob<{ fail?: boolean }>({
      name: 'quick',
      run(ctx) {
        calls += 1;
        if (ctx.payload.fail && ctx.attempt === 1) throw new Error('first attempt refused');
        return { attempt: ctx.attempt };
      },
    });
    const hg = await env.create({ jobs: [quick], worker: { enabled: true, concurrency: 1, retryBaseMs: 10 } });
    await hg.start();
    const plain = await hg.runs.enqueue({ jobType: 'quick' });
    const retried = await hg.runs.enqueue({ jobType: 'quick', payload: { fail: true } });
    expect(await waitForRunStatus(hg, plain.id, ['completed'])).toMatchObject({ attempt: 1, result: { attempt: 1 } });
    expect(await waitForRunStatus(hg, retried.id, ['completed'])).toMatchObject({ attempt: 2, result: { attempt: 2 } });
    expect((await logMessages(hg, retried.id)).some((line) => line.startsWith('attempt 1 failed: first attempt refused; retrying after'))).toBe(true);
    expect(calls).toBe(3);
  });

  test('a thenable whose then throws fails its attempt and frees the slot for the next run', async () => {
    const odd = defineJob<{ broken?: boolean }>({
      name: 'odd',
      run(ctx) {
        if (!ctx.payload.broken) return 'fine';
        return {
          then() {
            throw new Error('then is broken');
          },
        } as unknown as Promise<string>;
      },
    });
    const hg = await env.create({ jobs: [odd], worker: { enabled: true, concurrency: 1 } });
    await hg.start();
    const broken = await hg.runs.enqueue({ jobType: 'odd', payload: { broken: true }, maxAttempts: 1 });
    const next = await hg.runs.enqueue({ jobType: 'odd' });
    expect(await waitForRunStatus(hg, broken.id, ['failed'])).toMatchObject({ errorMessage: 'then is broken' });
    expect(await waitForRunStatus(hg, next.id, ['completed'])).toMatchObject({ result: 'fine' });
  });
});

describe('timeouts', () => {
  test("a job's timeout aborts the handler's signal, fails the attempt and retries", async () => {
    const reasons: unknown[] = [];
    const slow = defineJob({
      name: 'slow',
      timeout: 1,
      maxAttempts: 2,
      async run(ctx) {
        if (ctx.attempt === 1) {
          reasons.push(await whenAborted(ctx.signal));
          throw new Error('gave up after the abort');
        }
        return 'fast the second time';
      },
    });
    const hg = await env.create({ jobs: [slow], worker: { enabled: true } });
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'slow' });
    expect(run.timeoutSeconds).toBe(1);
    const firstFailure = waitForEvent(hg, 'run:failed', (event) => event.run.id === run.id);
    await expect(firstFailure).resolves.toMatchObject({ error: 'timed out after 1 s', willRetry: true });
    const done = await waitForRunStatus(hg, run.id, ['completed']);
    expect(done).toMatchObject({ attempt: 2, result: 'fast the second time' });
    expect(reasons).toHaveLength(1);
    expect((await logMessages(hg, run.id)).some((message) => message.startsWith('attempt 1 failed: timed out after 1 s; retrying after'))).toBe(true);
  });

  test('timeoutSeconds on enqueue fails a handler that ignores its signal once attempts are used up', async () => {
    const gate = createDeferred();
    stuck.push(gate);
    let aborted = false;
    const stubborn = defineJob({
      name: 'stubborn',
      async run(ctx) {
        ctx.signal.addEventListener('abort', () => (aborted = true));
        await gate.promise;
      },
    });
    const hg = await env.create({ jobs: [stubborn], worker: { enabled: true } });
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'stubborn', timeoutSeconds: 1, maxAttempts: 1 });
    const failed = await waitForRunStatus(hg, run.id, ['failed']);
    expect(failed).toMatchObject({ attempt: 1, timeoutSeconds: 1, errorMessage: 'timed out after 1 s' });
    expect(aborted).toBe(true);
  });
});

describe('cancellation', () => {
  test('a pending run is cancelled at once and never runs', async () => {
    const ran: string[] = [];
    const note = defineJob<{ label: string }>({ name: 'note', async run(ctx) { ran.push(ctx.payload.label); } });
    const hg = await env.create({ jobs: [note], worker: { enabled: true, concurrency: 1 } });
    const doomed = await hg.runs.enqueue({ jobType: 'note', payload: { label: 'cancelled' }, priority: 10 });

    const cancelled = await hg.runs.cancel(doomed.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', errorMessage: 'cancelled by library', attempt: 0 });
    expect(cancelled.finishedAt).toBeInstanceOf(Date);
    await expect(hg.runs.cancel(doomed.id)).rejects.toMatchObject({ code: 'invalid_state' });

    await hg.start();
    const later = await hg.runs.enqueue({ jobType: 'note', payload: { label: 'later' } });
    await waitForRunStatus(hg, later.id, ['completed']);
    expect(ran).toEqual(['later']);
    expect((await hg.runs.get(doomed.id)).status).toBe('cancelled');
  });

  test("cancelling a running run aborts its handler's signal and ends it cancelled", async () => {
    const started = createDeferred<string>();
    let abortReason: unknown = null;
    const listener = defineJob({
      name: 'listener',
      async run(ctx) {
        started.resolve(ctx.runId);
        abortReason = await whenAborted(ctx.signal);
      },
    });
    const hg = await env.create({ jobs: [listener], worker: { enabled: true } });
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'listener' });
    expect(await started.promise).toBe(run.id);

    const cancelledEvent = waitForEvent(hg, 'run:cancelled', (event) => event.run.id === run.id);
    const requested = await hg.runs.cancel(run.id);
    expect(requested.status).toBe('running');
    expect(requested.cancelRequestedAt).toBeInstanceOf(Date);

    // The NOTIFY reaches the worker at once; the heartbeat fallback would take leaseMs / 3 (10 s).
    const ended = await waitForRunStatus(hg, run.id, ['cancelled', 'completed', 'failed'], 5000);
    expect(ended.status).toBe('cancelled');
    expect(ended.errorMessage).toMatch(/cancel/);
    expect(ended.finishedAt).toBeInstanceOf(Date);
    expect(abortReason).toBeInstanceOf(Error);
    await cancelledEvent;
    expect((await logMessages(hg, run.id)).some((message) => message.startsWith('attempt 1 cancelled:'))).toBe(true);
  });
});

describe('retrying a finished run', () => {
  test('retry of a failed run creates a new run with trigger retry and retry_of', async () => {
    let calls = 0;
    const once = defineJob<{ brandId: number }>({
      name: 'once',
      async run(ctx) {
        calls += 1;
        if (calls === 1) throw new NonRetryableError('upstream said no');
        return { brandId: ctx.payload.brandId };
      },
    });
    const hg = await env.create({ jobs: [once], worker: { enabled: true } });
    await hg.start();
    const original = await hg.runs.enqueue({ jobType: 'once', payload: { brandId: 7 }, priority: 3 });
    await waitForRunStatus(hg, original.id, ['failed']);

    const retry = await hg.runs.retry(original.id);
    expect(retry.id).not.toBe(original.id);
    expect(retry).toMatchObject({ trigger: 'retry', retryOf: original.id, jobType: 'once', payload: { brandId: 7 }, priority: 3, attempt: 0 });
    expect(['pending', 'running', 'completed']).toContain(retry.status);
    const done = await waitForRunStatus(hg, retry.id, ['completed']);
    expect(done).toMatchObject({ attempt: 1, result: { brandId: 7 } });
    expect((await hg.runs.get(original.id)).status).toBe('failed');
    expect((await hg.runs.list({ trigger: 'retry' })).items.map((run) => run.id)).toEqual([retry.id]);
  });

  test('an unfinished run cannot be retried', async () => {
    const idle = defineJob({ name: 'idle', async run() {} });
    const hg = await env.create({ jobs: [idle] });
    const run = await hg.runs.enqueue({ jobType: 'idle' });
    await expect(hg.runs.retry(run.id)).rejects.toMatchObject({ code: 'invalid_state' });
    expect(await countRows(hg, 'job_runs')).toBe(1);
  });
});

describe('payload validation at enqueue', () => {
  const typed = defineJob<{ brandId: number }>({
    name: 'typed',
    payload: z.object({ brandId: z.number().int() }),
    async run() {},
  });

  test('an invalid payload is a validation_error naming the field and writes nothing', async () => {
    const hg = await env.create({ jobs: [typed] });
    await expect(hg.runs.enqueue({ jobType: 'typed', payload: { brandId: 'seven' } })).rejects.toMatchObject({
      code: 'validation_error',
      status: 400,
      field: 'payload.brandId',
    });
    await expect(hg.runs.enqueue({ jobType: 'typed' })).rejects.toMatchObject({ code: 'validation_error' });
    expect(await countRows(hg, 'job_runs')).toBe(0);
    expect(await countRows(hg, 'audit_log')).toBe(0);

    const valid = await hg.runs.enqueue({ jobType: 'typed', payload: { brandId: 7 } });
    expect(valid).toMatchObject({ status: 'pending', trigger: 'api', payload: { brandId: 7 } });
  });

  test('an unknown job type or an unknown field is refused and writes nothing', async () => {
    const hg = await env.create({ jobs: [typed] });
    await expect(hg.runs.enqueue({ jobType: 'nope' })).rejects.toMatchObject({ code: 'unknown_job_type', field: 'job_type' });
    await expect(hg.runs.enqueue({ jobType: 'typed', payload: { brandId: 1 }, colour: 'red' } as never)).rejects.toMatchObject({ code: 'validation_error' });
    expect(await countRows(hg, 'job_runs')).toBe(0);
    expect(await countRows(hg, 'audit_log')).toBe(0);
  });
});

// The worker fails a run whose payload no longer passes the schema (e.g. a schedule's payload
// written before the schema changed) without retrying it.
describe('payload validation at execution', () => {
  test('a run whose stored payload fails the schema fails at once', async () => {
    const typed = defineJob<{ brandId: number }>({ name: 'typed', payload: z.object({ brandId: z.number() }), async run() {} });
    const hg = await env.create({ jobs: [typed], worker: { enabled: true } });
    const run = await hg.runs.enqueue({ jobType: 'typed', payload: { brandId: 1 } });
    await env.db().query(`update "${hg.config.schema}".job_runs set payload = '{"brandId": "one"}' where id = $1`, [run.id]);
    await hg.start();
    const failed = await waitForRunStatus(hg, run.id, ['failed']);
    expect(failed.attempt).toBe(1);
    expect(failed.errorMessage).toMatch(/^invalid payload for typed: brandId: /);
    await waitFor(async () => (await logMessages(hg, run.id)).length > 0);
  });
});
