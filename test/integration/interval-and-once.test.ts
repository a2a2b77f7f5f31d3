/**
 * SPEC §3 for interval and once schedules, `paused_until` and `pause_after_failures`.
 *
 * Slot timing is driven with a controlled clock and explicit ticks; the failure counters are
 * driven through a real worker, since no slot timing is involved there.
 */
import { describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock } from '../helpers/clock.js';
import { waitForEvent, waitForRunStatus } from '../helpers/wait.js';

const env = setupTestDatabase();

const noop = defineJob({ name: 'noop', async run() {} });

/** Fails when its payload says so; one attempt only, so a failure is final. */
const flaky = defineJob({
  name: 'flaky',
  maxAttempts: 1,
  async run(ctx) {
    if ((ctx.payload as { fail?: boolean }).fail) throw new Error('boom');
    return { ok: true };
  },
});

/** The runs of a schedule, oldest slot first. */
async function runsOf(hg: Hourglass, scheduleId: string) {
  const page = await hg.runs.list({ scheduledJobId: scheduleId, limit: 500 });
  return [...page.items].sort((a, b) => (a.scheduledFor?.getTime() ?? 0) - (b.scheduledFor?.getTime() ?? 0));
}

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;

describe('interval schedules', () => {
  test('an interval schedule fires every N seconds from its creation and keeps its phase when a tick is late', async () => {
    const clock = createTestClock('2026-03-02T10:00:30Z');
    const hg = await env.create({ jobs: [noop] }, { clock });
    const schedule = await hg.schedules.create({ name: 'every 5 min', jobType: 'noop', intervalSeconds: 300, overlapPolicy: 'allow' });
    expect(schedule.scheduleType).toBe('interval');
    expect(iso(schedule.nextRunAt)).toBe('2026-03-02T10:05:30.000Z');

    clock.set('2026-03-02T10:05:29Z');
    expect(await hg.tick()).toMatchObject({ schedules: 0, runs: 0 });

    clock.set('2026-03-02T10:05:30Z');
    expect(await hg.tick()).toMatchObject({ schedules: 1, runs: 1 });
    expect(iso((await hg.schedules.get(schedule.id)).nextRunAt)).toBe('2026-03-02T10:10:30.000Z');

    // 20 s late, within the late tolerance: the slot fires, and the next slot keeps the phase.
    clock.set('2026-03-02T10:10:50Z');
    expect(await hg.tick()).toMatchObject({ runs: 1, missed: 0 });
    expect(iso((await hg.schedules.get(schedule.id)).nextRunAt)).toBe('2026-03-02T10:15:30.000Z');

    clock.set('2026-03-02T10:15:30Z');
    await hg.tick();
    const runs = await runsOf(hg, schedule.id);
    expect(runs.map((run) => iso(run.scheduledFor))).toEqual(['2026-03-02T10:05:30.000Z', '2026-03-02T10:10:30.000Z', '2026-03-02T10:15:30.000Z']);
    expect(runs.every((run) => run.trigger === 'cron' && run.status === 'pending')).toBe(true);
    expect((await hg.schedules.get(schedule.id)).runCount).toBe(3);
  });

  test('after downtime an interval schedule skips the missed slots and stays on its original phase', async () => {
    const clock = createTestClock('2026-03-02T10:00:30Z');
    const hg = await env.create({ jobs: [noop] }, { clock });
    const schedule = await hg.schedules.create({ name: 'every 5 min', jobType: 'noop', intervalSeconds: 300 });

    // Down from before 10:05:30 until 11:01:00: 10:05:30 … 10:55:30 are missed, 11:00:30 is on time.
    clock.set('2026-03-02T11:01:00Z');
    expect(await hg.tick()).toMatchObject({ runs: 1, missed: 11 });
    const [run] = await runsOf(hg, schedule.id);
    expect(run).toMatchObject({ trigger: 'cron' });
    expect(iso(run!.scheduledFor)).toBe('2026-03-02T11:00:30.000Z');
    const after = await hg.schedules.get(schedule.id);
    expect(iso(after.nextRunAt)).toBe('2026-03-02T11:05:30.000Z');
    expect(after.missedCount).toBe(11);
  });

  test('a past runAt is the anchor of an interval schedule: slots fall on runAt plus whole intervals', async () => {
    const clock = createTestClock('2026-03-02T10:00:30Z');
    const hg = await env.create({ jobs: [noop] }, { clock });
    const schedule = await hg.schedules.create({ name: 'anchored', jobType: 'noop', intervalSeconds: 300, runAt: '2026-03-02T09:58:00Z', overlapPolicy: 'allow' });
    expect(schedule.scheduleType).toBe('interval');
    expect(iso(schedule.nextRunAt)).toBe('2026-03-02T10:03:00.000Z');

    for (const at of ['2026-03-02T10:03:00Z', '2026-03-02T10:08:00Z', '2026-03-02T10:13:00Z']) {
      clock.set(at);
      expect(await hg.tick()).toMatchObject({ runs: 1 });
    }
    const runs = await runsOf(hg, schedule.id);
    expect(runs.map((run) => iso(run.scheduledFor))).toEqual(['2026-03-02T10:03:00.000Z', '2026-03-02T10:08:00.000Z', '2026-03-02T10:13:00.000Z']);
    expect(iso((await hg.schedules.get(schedule.id)).nextRunAt)).toBe('2026-03-02T10:18:00.000Z');
  });

  test('a future runAt is the first slot of an interval schedule, and later slots follow it at the interval', async () => {
    const clock = createTestClock('2026-03-02T10:00:30Z');
    const hg = await env.create({ jobs: [noop] }, { clock });
    const schedule = await hg.schedules.create({ name: 'starts later', scheduleType: 'interval', jobType: 'noop', intervalSeconds: 600, runAt: '2026-03-02T10:07:15Z', overlapPolicy: 'allow' });
    expect(iso(schedule.nextRunAt)).toBe('2026-03-02T10:07:15.000Z');

    clock.set('2026-03-02T10:07:00Z');
    expect(await hg.tick()).toMatchObject({ runs: 0 });
    clock.set('2026-03-02T10:07:15Z');
    expect(await hg.tick()).toMatchObject({ runs: 1 });
    expect(iso((await hg.schedules.get(schedule.id)).nextRunAt)).toBe('2026-03-02T10:17:15.000Z');
    clock.set('2026-03-02T10:17:15Z');
    expect(await hg.tick()).toMatchObject({ runs: 1 });
    expect((await runsOf(hg, schedule.id)).map((run) => iso(run.scheduledFor))).toEqual(['2026-03-02T10:07:15.000Z', '2026-03-02T10:17:15.000Z']);
  });
});

describe('once schedules', () => {
  test('a once schedule fires a single run at runAt and then becomes inactive with no next run', async () => {
    const clock = createTestClock('2026-03-02T10:00:30Z');
    const hg = await env.create({ jobs: [noop] }, { clock });
    const schedule = await hg.schedules.create({ name: 'one shot', jobType: 'noop', runAt: '2026-03-02T10:30:00Z' });
    expect(schedule).toMatchObject({ scheduleType: 'once', status: 'active' });
    expect(iso(schedule.nextRunAt)).toBe('2026-03-02T10:30:00.000Z');

    clock.set('2026-03-02T10:29:59Z');
    expect(await hg.tick()).toMatchObject({ schedules: 0, runs: 0 });

    clock.set('2026-03-02T10:30:00Z');
    expect(await hg.tick()).toMatchObject({ schedules: 1, runs: 1 });
    const after = await hg.schedules.get(schedule.id);
    expect(after).toMatchObject({ status: 'inactive', nextRunAt: null, runCount: 1 });
    expect(iso(after.lastRunAt)).toBe('2026-03-02T10:30:00.000Z');

    clock.set('2026-03-03T10:30:00Z');
    expect(await hg.tick()).toMatchObject({ schedules: 0, runs: 0 });
    const runs = await runsOf(hg, schedule.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'cron', status: 'pending' });
    expect(iso(runs[0]!.scheduledFor)).toBe('2026-03-02T10:30:00.000Z');
  });
});

describe('pause until an instant', () => {
  test('a schedule paused until an instant resumes by itself on the first tick after it and run_once fires the latest slot of the pause', async () => {
    const clock = createTestClock('2026-03-02T10:00:30Z');
    const hg = await env.create({ jobs: [noop] }, { clock });
    const schedule = await hg.schedules.create({ name: 'every 5 min', jobType: 'noop', cronExpression: '*/5 * * * *', missedRunPolicy: 'run_once', overlapPolicy: 'allow' });
    clock.set('2026-03-02T10:01:00Z');
    const paused = await hg.schedules.pause(schedule.id, { note: 'maintenance', until: '2026-03-02T10:32:00Z' });
    expect(paused).toMatchObject({ status: 'paused', pauseNote: 'maintenance' });
    expect(iso(paused.pausedUntil)).toBe('2026-03-02T10:32:00.000Z');

    for (const at of ['2026-03-02T10:05:00Z', '2026-03-02T10:20:00Z', '2026-03-02T10:31:59Z']) {
      clock.set(at);
      expect(await hg.tick()).toMatchObject({ schedules: 0, runs: 0 });
      expect((await hg.schedules.get(schedule.id)).status).toBe('paused');
    }

    clock.set('2026-03-02T10:32:00Z');
    const resumed = waitForEvent(hg, 'schedule:resumed', (event) => event.scheduleId === schedule.id);
    // 10:05 … 10:30 fell in the pause; 10:30 is 2 min old, past the 60 s tolerance: all missed.
    expect(await hg.tick()).toMatchObject({ schedules: 1, runs: 1, missed: 5 });
    await resumed;
    const after = await hg.schedules.get(schedule.id);
    expect(after).toMatchObject({ status: 'active', pausedUntil: null, pauseNote: null, missedCount: 5, runCount: 1 });
    expect(iso(after.nextRunAt)).toBe('2026-03-02T10:35:00.000Z');
    const runs = await runsOf(hg, schedule.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'catch_up', status: 'pending' });
    expect(iso(runs[0]!.scheduledFor)).toBe('2026-03-02T10:30:00.000Z');

    clock.set('2026-03-02T10:35:00Z');
    expect(await hg.tick()).toMatchObject({ runs: 1, missed: 0 });
  });

  test('with the skip policy the slots that fell inside a timed pause are counted as missed and none fires', async () => {
    const clock = createTestClock('2026-03-02T10:00:30Z');
    const hg = await env.create({ jobs: [noop] }, { clock });
    const schedule = await hg.schedules.create({ name: 'every 5 min', jobType: 'noop', cronExpression: '*/5 * * * *' });
    await hg.schedules.pause(schedule.id, { until: '2026-03-02T10:32:00Z' });

    clock.set('2026-03-02T10:32:30Z');
    expect(await hg.tick()).toMatchObject({ schedules: 1, runs: 0, missed: 6 });
    const after = await hg.schedules.get(schedule.id);
    expect(after).toMatchObject({ status: 'active', pausedUntil: null, missedCount: 6, runCount: 0 });
    expect(iso(after.nextRunAt)).toBe('2026-03-02T10:35:00.000Z');
    expect(await runsOf(hg, schedule.id)).toHaveLength(0);
  });
});

describe('pause after consecutive failures', () => {
  async function failingSchedule(pauseAfterFailures: number) {
    const hg = await env.create({ jobs: [flaky], worker: { enabled: true } });
    await hg.start();
    const schedule = await hg.schedules.create({ name: 'fragile', jobType: 'flaky', cronExpression: '0 0 1 1 *', pauseAfterFailures });
    /** Fires the schedule by hand and waits for the worker to finish the run. */
    const runOnce = async (fail: boolean) => {
      const { runs } = await hg.schedules.trigger(schedule.id, { payload: { fail } });
      return waitForRunStatus(hg, runs[0]!.id, ['completed', 'failed']);
    };
    return { hg, schedule, runOnce };
  }

  test('a schedule is paused with a note after pauseAfterFailures consecutive failed runs', async () => {
    const { hg, schedule, runOnce } = await failingSchedule(3);
    expect((await runOnce(true)).status).toBe('failed');
    expect((await runOnce(true)).status).toBe('failed');
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ status: 'active', consecutiveFailures: 2, failureCount: 2 });

    const autoPaused = waitForEvent(hg, 'schedule:auto-paused', (event) => event.scheduleId === schedule.id);
    expect((await runOnce(true)).status).toBe('failed');
    await autoPaused;
    const after = await hg.schedules.get(schedule.id);
    expect(after).toMatchObject({ status: 'paused', consecutiveFailures: 3, failureCount: 3, lastStatus: 'failed', lastError: 'boom' });
    expect(after.pauseNote).toMatch(/paused automatically after 3 consecutive failures/);
    expect(after.pausedUntil).toBeNull();
    expect(after.nextRunAt).not.toBeNull();
    // Paused for good: its next slot passes without a run.
    expect(await hg.tick({ now: new Date(after.nextRunAt!.getTime() + 1000) })).toMatchObject({ schedules: 0, runs: 0 });
    expect((await hg.schedules.get(schedule.id)).status).toBe('paused');
  });

  test('a successful run resets the consecutive failures, so only failures in a row pause the schedule', async () => {
    const { hg, schedule, runOnce } = await failingSchedule(3);
    await runOnce(true);
    await runOnce(true);
    expect((await hg.schedules.get(schedule.id)).consecutiveFailures).toBe(2);

    expect((await runOnce(false)).status).toBe('completed');
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ status: 'active', consecutiveFailures: 0, successCount: 1, failureCount: 2, lastStatus: 'completed' });

    await runOnce(true);
    await runOnce(true);
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ status: 'active', consecutiveFailures: 2, failureCount: 4 });
    await runOnce(true);
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ status: 'paused', consecutiveFailures: 3, failureCount: 5 });
  });
});
