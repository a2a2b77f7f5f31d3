/**
 * SPEC §3, overlap: what a slot does while a run of the same schedule is pending or running
 * (`overlap_policy` skip / allow / queue / replace).
 *
 * Slots are fired by explicit ticks on a controlled clock (a schedule every minute, created at
 * 10:00:30). Running states come from a real worker whose handlers wait until the test releases
 * them, or until their signal aborts. The lease is long so that moving the clock never makes a
 * running run look abandoned.
 */
import { describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import type { ScheduleInput } from '../../src/services/schedule-input.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock } from '../helpers/clock.js';
import { createDeferred, whenAborted, type Deferred } from '../helpers/deferred.js';
import { waitFor, waitForRunStatus } from '../helpers/wait.js';

const env = setupTestDatabase();

const at = (time: string) => `2026-06-01T${time}Z`;

/**
 * A job whose runs each wait for the test: `release(id)` completes one, `fail(id)` fails it,
 * and cancelling it aborts its signal (recorded in `aborted`).
 */
function controlledJob() {
  const gates = new Map<string, Deferred<void>>();
  const started: string[] = [];
  const aborted = new Set<string>();
  const gate = (runId: string) => {
    if (!gates.has(runId)) gates.set(runId, createDeferred<void>());
    return gates.get(runId)!;
  };
  const job = defineJob({
    name: 'held',
    maxAttempts: 1,
    async run(ctx) {
      started.push(ctx.runId);
      const abort = whenAborted(ctx.signal).then((reason) => {
        aborted.add(ctx.runId);
        throw reason;
      });
      abort.catch(() => {});
      await Promise.race([gate(ctx.runId).promise, abort]);
    },
  });
  return {
    job,
    started,
    aborted,
    release: (runId: string) => gate(runId).resolve(),
    fail: (runId: string) => gate(runId).reject(new Error('held run failed')),
  };
}

const marker = defineJob({ name: 'marker', async run() {} });

async function setup(input: Partial<ScheduleInput>, options: { worker?: boolean } = {}) {
  const clock = createTestClock(at('10:00:30'));
  const held = controlledJob();
  const worker = options.worker ? { enabled: true, leaseMs: 3_600_000, heartbeatMs: 200, shutdownGraceMs: 200 } : {};
  const hg = await env.create({ jobs: [held.job, marker], worker }, { clock });
  if (options.worker) await hg.start();
  const schedule = await hg.schedules.create({ name: 'every minute', jobType: 'held', cronExpression: '* * * * *', ...input });
  /** Ticks at `time` and returns the runs the slot created (pending or skipped). */
  const fireAt = async (time: string) => {
    clock.set(at(time));
    const result = await hg.tick();
    const page = await hg.runs.list({ scheduledJobId: schedule.id, limit: 500 });
    return { result, runs: page.items.filter((run) => run.scheduledFor?.toISOString() === new Date(at(time)).toISOString()) };
  };
  return { clock, hg, schedule, held, fireAt };
}

/** Waits until the handler of `runId` is executing. */
async function untilStarted(held: ReturnType<typeof controlledJob>, runId: string) {
  await waitFor(() => held.started.includes(runId), { message: `handler of ${runId} to start` });
}

/**
 * Proves the worker had its chance to claim everything ready: a `marker` run enqueued now is
 * completed only after a claim pass that would also have taken any ready run created before it.
 */
async function afterAClaimPass(hg: Hourglass) {
  const probe = await hg.runs.enqueue({ jobType: 'marker' });
  await waitForRunStatus(hg, probe.id, ['completed']);
}

describe('overlap policy skip', () => {
  test('a slot due while a run is pending becomes a skipped run naming that run, and counts as skipped', async () => {
    const { hg, schedule, fireAt } = await setup({});
    expect(schedule.overlapPolicy).toBe('skip');
    const first = await fireAt('10:01:00');
    expect(first.runs).toHaveLength(1);
    const active = first.runs[0]!;

    const fired: boolean[] = [];
    hg.on('schedule:fired', (event) => fired.push(event.skipped));
    const second = await fireAt('10:02:00');
    expect(second.result).toMatchObject({ runs: 0, skipped: 1 });
    expect(second.runs).toHaveLength(1);
    expect(second.runs[0]).toMatchObject({ status: 'skipped', trigger: 'cron', jobType: 'held' });
    expect(second.runs[0]!.errorMessage).toContain(active.id);
    expect(second.runs[0]!.errorMessage).toContain('pending');
    expect(second.runs[0]!.finishedAt).not.toBeNull();
    expect(fired).toEqual([true]);
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: 1, skippedCount: 1 });

    // Once nothing is active any more, slots fire again.
    await hg.runs.cancel(active.id);
    const third = await fireAt('10:03:00');
    expect(third.runs.map((run) => run.status)).toEqual(['pending']);
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: 2, skippedCount: 1 });
  });

  test('a slot due while a run is running is skipped with the running run named in the reason', async () => {
    const { hg, schedule, held, fireAt } = await setup({ overlapPolicy: 'skip' }, { worker: true });
    const [running] = (await fireAt('10:01:00')).runs;
    await untilStarted(held, running!.id);

    const second = await fireAt('10:02:00');
    expect(second.result).toMatchObject({ runs: 0, skipped: 1 });
    expect(second.runs[0]).toMatchObject({ status: 'skipped' });
    expect(second.runs[0]!.errorMessage).toContain(running!.id);
    expect(second.runs[0]!.errorMessage).toContain('running');

    held.release(running!.id);
    await waitForRunStatus(hg, running!.id, ['completed']);
    const third = await fireAt('10:03:00');
    expect(third.runs.map((run) => run.status)).toEqual([expect.stringMatching(/^(pending|running)$/)]);
    held.release(third.runs[0]!.id);
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: 2, skippedCount: 1 });
  });
});

describe('overlap policy allow', () => {
  test('with allow, runs of successive slots coexist and execute at the same time', async () => {
    const { hg, schedule, held, fireAt } = await setup({ overlapPolicy: 'allow' }, { worker: true });
    const [first] = (await fireAt('10:01:00')).runs;
    await untilStarted(held, first!.id);
    const second = await fireAt('10:02:00');
    expect(second.result).toMatchObject({ runs: 1, skipped: 0 });
    await untilStarted(held, second.runs[0]!.id);
    expect((await hg.runs.get(first!.id)).status).toBe('running');
    expect((await hg.runs.get(second.runs[0]!.id)).status).toBe('running');

    const third = await fireAt('10:03:00');
    expect(third.runs.map((run) => run.status)).toEqual([expect.stringMatching(/^(pending|running)$/)]);
    for (const id of [first!.id, second.runs[0]!.id, third.runs[0]!.id]) held.release(id);
    for (const id of [first!.id, second.runs[0]!.id, third.runs[0]!.id]) await waitForRunStatus(hg, id, ['completed']);
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: 3, skippedCount: 0, successCount: 3 });
  });
});

describe('overlap policy queue', () => {
  const endings = [
    { outcome: 'completed', end: (ctx: { hg: Hourglass; held: ReturnType<typeof controlledJob> }, id: string) => ctx.held.release(id) },
    { outcome: 'failed', end: (ctx: { hg: Hourglass; held: ReturnType<typeof controlledJob> }, id: string) => ctx.held.fail(id) },
    { outcome: 'cancelled', end: (ctx: { hg: Hourglass; held: ReturnType<typeof controlledJob> }, id: string) => void ctx.hg.runs.cancel(id) },
  ] as const;

  test.each(endings)('a queued run waits for the running one, a third slot is skipped, and the queued run starts once the first ends $outcome', async ({ outcome, end }) => {
    const { hg, schedule, held, fireAt } = await setup({ overlapPolicy: 'queue' }, { worker: true });
    const [first] = (await fireAt('10:01:00')).runs;
    await untilStarted(held, first!.id);

    const second = await fireAt('10:02:00');
    expect(second.result).toMatchObject({ runs: 1, skipped: 0 });
    const queued = second.runs[0]!;
    expect(queued).toMatchObject({ status: 'pending', trigger: 'cron' });
    expect(queued.waitsFor).toEqual([first!.id]);

    // The worker has capacity and claims everything ready, yet leaves the queued run alone.
    await afterAClaimPass(hg);
    expect(await hg.runs.get(queued.id)).toMatchObject({ status: 'pending', startedAt: null, attempt: 0 });
    expect(held.started).not.toContain(queued.id);

    // At most one waiting run: the next slot is skipped, naming the waiting run.
    const third = await fireAt('10:03:00');
    expect(third.result).toMatchObject({ runs: 0, skipped: 1 });
    expect(third.runs[0]).toMatchObject({ status: 'skipped' });
    expect(third.runs[0]!.errorMessage).toContain(queued.id);

    end({ hg, held }, first!.id);
    const ended = await waitForRunStatus(hg, first!.id, [outcome]);
    expect(ended.status).toBe(outcome);
    await untilStarted(held, queued.id);
    expect(held.started.indexOf(queued.id)).toBeGreaterThan(held.started.indexOf(first!.id));
    held.release(queued.id);
    await waitForRunStatus(hg, queued.id, ['completed']);
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: 2, skippedCount: 1 });
  });
});

describe('overlap policy replace', () => {
  test('with replace, a pending run is cancelled at once and the new slot run is created', async () => {
    const { hg, schedule, fireAt } = await setup({ overlapPolicy: 'replace' });
    const [old] = (await fireAt('10:01:00')).runs;
    const second = await fireAt('10:02:00');
    expect(second.result).toMatchObject({ runs: 1, skipped: 0 });
    expect(second.runs.map((run) => run.status)).toEqual(['pending']);

    const replaced = await hg.runs.get(old!.id);
    expect(replaced).toMatchObject({ status: 'cancelled' });
    expect(replaced.errorMessage).toMatch(/replaced by a newer run/);
    expect(replaced.finishedAt?.toISOString()).toBe(new Date(at('10:02:00')).toISOString());
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: 2, skippedCount: 0 });
  });

  test('with replace, a running run has its handler signal aborted and ends cancelled while the new run is created', async () => {
    const { hg, schedule, held, fireAt } = await setup({ overlapPolicy: 'replace' }, { worker: true });
    const [old] = (await fireAt('10:01:00')).runs;
    await untilStarted(held, old!.id);

    const second = await fireAt('10:02:00');
    expect(second.result).toMatchObject({ runs: 1, skipped: 0 });
    const replacement = second.runs[0]!;
    expect(replacement.waitsFor).toEqual([]);

    const cancelled = await waitForRunStatus(hg, old!.id, ['cancelled', 'completed', 'failed']);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancelRequestedAt?.toISOString()).toBe(new Date(at('10:02:00')).toISOString());
    expect(held.aborted.has(old!.id)).toBe(true);

    await untilStarted(held, replacement.id);
    expect(held.aborted.has(replacement.id)).toBe(false);
    held.release(replacement.id);
    await waitForRunStatus(hg, replacement.id, ['completed']);
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: 2, successCount: 1 });
  });
});
