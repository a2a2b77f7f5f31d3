/**
 * SPEC §3, missed slots: what a schedule does with the slots that passed while no scheduler
 * ticked (`missed_run_policy` skip / run_once / catch_up, `catch_up_window_seconds`,
 * `scheduler.maxCatchUp`), and the late tolerance that keeps slightly late slots on time.
 *
 * Every test creates a schedule firing every 10 minutes at 10:00:30 (first slot 10:10), then
 * moves the clock hours ahead without ticking, as if the scheduler had been down.
 */
import { describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import type { HourglassConfigInput } from '../../src/config/schema.js';
import type { ScheduleInput } from '../../src/services/schedule-input.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock } from '../helpers/clock.js';

const env = setupTestDatabase();

const noop = defineJob({ name: 'noop', async run() {} });

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;
const at = (time: string) => `2026-05-11T${time}.000Z`;

/** The 18 slots from 10:10 to 13:00 that a scheduler down until 13:05 missed. */
const ALL_MISSED = 18;

async function downtimeSchedule(input: Partial<ScheduleInput>, scheduler: Partial<HourglassConfigInput['scheduler']> = {}) {
  const clock = createTestClock('2026-05-11T10:00:30Z');
  const hg = await env.create({ jobs: [noop], scheduler: { enabled: false, ...scheduler } as HourglassConfigInput['scheduler'] }, { clock });
  const schedule = await hg.schedules.create({ name: 'every 10 min', jobType: 'noop', cronExpression: '*/10 * * * *', ...input });
  expect(iso(schedule.nextRunAt)).toBe(at('10:10:00'));
  const fired: Array<{ slot: string; trigger: string }> = [];
  hg.on('schedule:fired', (event) => {
    if (!event.skipped) fired.push({ slot: iso(event.slot)!, trigger: event.trigger });
  });
  return { clock, hg, schedule, fired };
}

/** The runs of a schedule, oldest slot first. */
async function runsOf(hg: Hourglass, scheduleId: string) {
  const page = await hg.runs.list({ scheduledJobId: scheduleId, limit: 500 });
  return [...page.items].sort((a, b) => (a.scheduledFor?.getTime() ?? 0) - (b.scheduledFor?.getTime() ?? 0));
}

describe('missed-run policy skip', () => {
  test('after downtime the skip policy fires none of the missed slots, counts them as missed, and continues from now', async () => {
    const { clock, hg, schedule } = await downtimeSchedule({});
    expect(schedule.missedRunPolicy).toBe('skip');

    clock.set(at('13:05:00'));
    expect(await hg.tick()).toMatchObject({ schedules: 1, runs: 0, missed: ALL_MISSED, skipped: 0 });
    const after = await hg.schedules.get(schedule.id);
    expect(after).toMatchObject({ missedCount: ALL_MISSED, runCount: 0 });
    expect(iso(after.nextRunAt)).toBe(at('13:10:00'));
    expect(await runsOf(hg, schedule.id)).toHaveLength(0);

    clock.set(at('13:10:00'));
    expect(await hg.tick()).toMatchObject({ runs: 1, missed: 0 });
    const runs = await runsOf(hg, schedule.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'cron' });
    expect(iso(runs[0]!.scheduledFor)).toBe(at('13:10:00'));
    expect((await hg.schedules.get(schedule.id)).missedCount).toBe(ALL_MISSED);
  });
});

describe('missed-run policy run_once', () => {
  test('after downtime run_once fires exactly one run, for the latest missed slot, when it is within the catch-up window', async () => {
    const { clock, hg, schedule, fired } = await downtimeSchedule({ missedRunPolicy: 'run_once', catchUpWindowSeconds: 3600 });
    clock.set(at('13:05:00'));
    expect(await hg.tick()).toMatchObject({ runs: 1, missed: ALL_MISSED - 1 });
    const runs = await runsOf(hg, schedule.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'catch_up', status: 'pending' });
    expect(iso(runs[0]!.scheduledFor)).toBe(at('13:00:00'));
    expect(fired).toEqual([{ slot: at('13:00:00'), trigger: 'catch_up' }]);
    const after = await hg.schedules.get(schedule.id);
    expect(after).toMatchObject({ runCount: 1, missedCount: ALL_MISSED - 1 });
    expect(iso(after.nextRunAt)).toBe(at('13:10:00'));
  });

  test('after downtime run_once fires nothing when even the latest missed slot is older than the catch-up window', async () => {
    const { clock, hg, schedule } = await downtimeSchedule({ missedRunPolicy: 'run_once', catchUpWindowSeconds: 120 });
    clock.set(at('13:05:00'));
    expect(await hg.tick()).toMatchObject({ runs: 0, missed: ALL_MISSED });
    expect(await runsOf(hg, schedule.id)).toHaveLength(0);
    const after = await hg.schedules.get(schedule.id);
    expect(after).toMatchObject({ runCount: 0, missedCount: ALL_MISSED });
    expect(iso(after.nextRunAt)).toBe(at('13:10:00'));
  });

  test('run_once fires no catch-up run when a slot within the late tolerance fires on time', async () => {
    const { clock, hg, schedule, fired } = await downtimeSchedule({ missedRunPolicy: 'run_once', overlapPolicy: 'allow' });
    clock.set(at('13:00:45'));
    expect(await hg.tick()).toMatchObject({ runs: 1, missed: ALL_MISSED - 1 });
    expect(fired).toEqual([{ slot: at('13:00:00'), trigger: 'cron' }]);
    expect((await runsOf(hg, schedule.id)).map((run) => run.trigger)).toEqual(['cron']);
  });
});

describe('missed-run policy catch_up', () => {
  test('after downtime catch_up fires every missed slot within the window, oldest first, with trigger catch_up', async () => {
    const { clock, hg, schedule, fired } = await downtimeSchedule({ missedRunPolicy: 'catch_up', catchUpWindowSeconds: 3600, overlapPolicy: 'allow' });
    clock.set(at('13:05:00'));
    // The window reaches back to 12:05: 12:10 … 13:00 fire, 10:10 … 12:00 are missed.
    expect(await hg.tick()).toMatchObject({ runs: 6, missed: ALL_MISSED - 6 });
    const inWindow = ['12:10:00', '12:20:00', '12:30:00', '12:40:00', '12:50:00', '13:00:00'].map(at);
    expect(fired).toEqual(inWindow.map((slot) => ({ slot, trigger: 'catch_up' })));
    const runs = await runsOf(hg, schedule.id);
    expect(runs.map((run) => iso(run.scheduledFor))).toEqual(inWindow);
    for (const run of runs) {
      expect(run).toMatchObject({ trigger: 'catch_up', status: 'pending' });
      // Claimed by run_after: the oldest slot is also the first to run.
      expect(run.runAfter.getTime()).toBe(run.scheduledFor!.getTime());
    }
    const after = await hg.schedules.get(schedule.id);
    expect(after).toMatchObject({ runCount: 6, missedCount: ALL_MISSED - 6 });
    expect(iso(after.lastRunAt)).toBe(at('13:00:00'));
    expect(iso(after.nextRunAt)).toBe(at('13:10:00'));
  });

  test('catch_up fires at most scheduler.maxCatchUp missed slots, the newest ones, and counts the rest as missed', async () => {
    const { clock, hg, schedule, fired } = await downtimeSchedule(
      { missedRunPolicy: 'catch_up', catchUpWindowSeconds: 86_400, overlapPolicy: 'allow' },
      { maxCatchUp: 5 },
    );
    clock.set(at('13:05:00'));
    expect(await hg.tick()).toMatchObject({ runs: 5, missed: ALL_MISSED - 5 });
    const newest = ['12:20:00', '12:30:00', '12:40:00', '12:50:00', '13:00:00'].map(at);
    expect(fired).toEqual(newest.map((slot) => ({ slot, trigger: 'catch_up' })));
    expect((await runsOf(hg, schedule.id)).map((run) => iso(run.scheduledFor))).toEqual(newest);
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: 5, missedCount: ALL_MISSED - 5 });

    // The slots left behind are not fired later.
    clock.set(at('13:10:00'));
    expect(await hg.tick()).toMatchObject({ runs: 1, missed: 0 });
    expect(await runsOf(hg, schedule.id)).toHaveLength(6);
  });

  test('catch_up never fires a missed slot inside a blackout window: it is counted as suppressed, not missed', async () => {
    const { clock, hg, schedule, fired } = await downtimeSchedule({
      missedRunPolicy: 'catch_up',
      catchUpWindowSeconds: 86_400,
      overlapPolicy: 'allow',
      exclusions: [{ cron: '* 12 * * *' }],
    });
    clock.set(at('13:05:00'));
    // 12:00 … 12:50 are blacked out; the other 12 missed slots are caught up.
    expect(await hg.tick()).toMatchObject({ runs: ALL_MISSED - 6, suppressed: 6, missed: 0 });
    expect(fired.every((event) => event.trigger === 'catch_up' && !event.slot.startsWith('2026-05-11T12:'))).toBe(true);
    expect(fired.map((event) => event.slot)).toContain(at('13:00:00'));
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: ALL_MISSED - 6, suppressedCount: 6, missedCount: 0 });
  });

  test('catch_up keeps a slot within the late tolerance as an on-time cron run beside the caught-up ones', async () => {
    const { clock, hg, schedule, fired } = await downtimeSchedule(
      { missedRunPolicy: 'catch_up', catchUpWindowSeconds: 86_400, overlapPolicy: 'allow' },
      { maxCatchUp: 5 },
    );
    clock.set(at('13:00:45'));
    expect(await hg.tick()).toMatchObject({ runs: 6, missed: ALL_MISSED - 1 - 5 });
    expect(fired).toEqual([
      ...['12:10:00', '12:20:00', '12:30:00', '12:40:00', '12:50:00'].map((time) => ({ slot: at(time), trigger: 'catch_up' })),
      { slot: at('13:00:00'), trigger: 'cron' },
    ]);
    expect((await runsOf(hg, schedule.id)).at(-1)).toMatchObject({ trigger: 'cron' });
  });
});

describe('late tolerance', () => {
  test('a slot at most lateToleranceMs old still fires with trigger cron, and one a millisecond older counts as missed', async () => {
    const { clock, hg, schedule, fired } = await downtimeSchedule({ overlapPolicy: 'allow' }, { lateToleranceMs: 5000 });
    clock.set(at('10:10:05'));
    expect(await hg.tick()).toMatchObject({ runs: 1, missed: 0 });
    clock.set('2026-05-11T10:20:05.001Z');
    expect(await hg.tick()).toMatchObject({ runs: 0, missed: 1 });
    expect(fired).toEqual([{ slot: at('10:10:00'), trigger: 'cron' }]);
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: 1, missedCount: 1 });
  });

  test('after downtime the skip policy still fires the latest slot as cron when it is within the default 60 s tolerance', async () => {
    const { clock, hg, schedule, fired } = await downtimeSchedule({});
    clock.set(at('13:01:00'));
    expect(await hg.tick()).toMatchObject({ runs: 1, missed: ALL_MISSED - 1 });
    expect(fired).toEqual([{ slot: at('13:00:00'), trigger: 'cron' }]);
    const runs = await runsOf(hg, schedule.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'cron', status: 'pending' });
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: 1, missedCount: ALL_MISSED - 1 });
  });
});
