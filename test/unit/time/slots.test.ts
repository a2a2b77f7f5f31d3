import { describe, expect, test } from 'vitest';
import { computeFirstSlot, computeNextSlot, createDuePlanner, planDueSlots, type ScheduleTiming } from '../../../src/time/slots.js';

const base: ScheduleTiming = {
  scheduleType: 'cron',
  cronExpression: '0 * * * *',
  timezone: 'UTC',
  intervalSeconds: null,
  runAt: null,
  dstGap: 'shift',
  dstOverlap: 'first',
  exclusions: [],
  missedRunPolicy: 'skip',
  catchUpWindowSeconds: 86_400,
  nextRunAt: null,
};
const limits = { lateToleranceMs: 60_000, maxCatchUp: 3 };
const at = (iso: string) => new Date(iso);
const isoList = (slots: Array<{ slot: Date }>) => slots.map(({ slot }) => slot.toISOString());

describe('next slots', () => {
  test('a cron schedule waits for the first slot strictly after now', () => {
    expect(computeFirstSlot(base, at('2026-01-01T10:00:00Z'))?.toISOString()).toBe('2026-01-01T11:00:00.000Z');
    expect(computeFirstSlot(base, at('2026-01-01T10:59:59Z'))?.toISOString()).toBe('2026-01-01T11:00:00.000Z');
  });

  test('an interval schedule keeps the phase of its anchor', () => {
    const timing = { ...base, scheduleType: 'interval' as const, cronExpression: null, intervalSeconds: 90, nextRunAt: at('2026-01-01T10:00:00Z') };
    expect(computeNextSlot(timing, at('2026-01-01T10:05:00Z'))?.toISOString()).toBe('2026-01-01T10:06:00.000Z');
    expect(computeFirstSlot({ ...timing, nextRunAt: null, runAt: at('2026-01-01T12:00:00Z') }, at('2026-01-01T10:00:00Z'))?.toISOString()).toBe('2026-01-01T12:00:00.000Z');
  });

  test('a once schedule has its run_at and nothing after it', () => {
    const timing = { ...base, scheduleType: 'once' as const, cronExpression: null, runAt: at('2026-01-01T12:00:00Z') };
    expect(computeFirstSlot(timing, at('2026-01-01T10:00:00Z'))?.toISOString()).toBe('2026-01-01T12:00:00.000Z');
    expect(computeNextSlot(timing, at('2026-01-01T12:00:00Z'))).toBeNull();
  });
});

describe('due slots', () => {
  test('an on-time slot fires as cron and the schedule moves to the next slot', () => {
    const plan = planDueSlots({ ...base, nextRunAt: at('2026-01-01T11:00:00Z') }, at('2026-01-01T11:00:00.004Z'), limits);
    expect(plan.fire).toEqual([{ slot: at('2026-01-01T11:00:00Z'), trigger: 'cron' }]);
    expect(plan).toMatchObject({ missed: 0, suppressed: 0 });
    expect(plan.nextRunAt?.toISOString()).toBe('2026-01-01T12:00:00.000Z');
  });

  test('skip counts missed slots and continues from now', () => {
    const plan = planDueSlots({ ...base, nextRunAt: at('2026-01-01T06:00:00Z') }, at('2026-01-01T10:30:00Z'), limits);
    expect(plan.fire).toEqual([]);
    expect(plan.missed).toBe(5);
    expect(plan.nextRunAt?.toISOString()).toBe('2026-01-01T11:00:00.000Z');
  });

  test('run_once fires only the latest missed slot within the window', () => {
    const timing = { ...base, missedRunPolicy: 'run_once' as const, nextRunAt: at('2026-01-01T06:00:00Z') };
    const plan = planDueSlots(timing, at('2026-01-01T10:30:00Z'), limits);
    expect(plan.fire).toEqual([{ slot: at('2026-01-01T10:00:00Z'), trigger: 'catch_up' }]);
    expect(plan.missed).toBe(4);
    const outside = planDueSlots({ ...timing, catchUpWindowSeconds: 600 }, at('2026-01-01T10:30:00Z'), limits);
    expect(outside.fire).toEqual([]);
    expect(outside.missed).toBe(5);
  });

  test('catch_up fires the newest missed slots within the window, oldest first, up to the cap', () => {
    const timing = { ...base, missedRunPolicy: 'catch_up' as const, nextRunAt: at('2026-01-01T04:00:00Z'), catchUpWindowSeconds: 5 * 3600 };
    const plan = planDueSlots(timing, at('2026-01-01T10:00:30Z'), limits);
    // 04:00 … 09:00 are missed (10:00 is on time); the window reaches back to 05:00:30.
    expect(isoList(plan.fire)).toEqual(['2026-01-01T07:00:00.000Z', '2026-01-01T08:00:00.000Z', '2026-01-01T09:00:00.000Z', '2026-01-01T10:00:00.000Z']);
    expect(plan.fire.map((slot) => slot.trigger)).toEqual(['catch_up', 'catch_up', 'catch_up', 'cron']);
    expect(plan.missed).toBe(3);
  });

  test('excluded slots are suppressed, not missed or fired', () => {
    const timing = { ...base, exclusions: [{ from: '2026-01-01T10:00:00Z', until: '2026-01-01T10:01:00Z' }], nextRunAt: at('2026-01-01T10:00:00Z') };
    const plan = planDueSlots(timing, at('2026-01-01T10:00:01Z'), limits);
    expect(plan).toMatchObject({ fire: [], missed: 0, suppressed: 1 });
  });

  test('a very long outage of a per-second schedule is bounded and continues from now', () => {
    const timing = { ...base, cronExpression: '* * * * * *', nextRunAt: at('2026-01-01T00:00:00Z') };
    const plan = planDueSlots(timing, at('2026-01-08T00:00:00Z'), { ...limits, maxScan: 1000 });
    expect(plan.missed).toBe(1000);
    expect(plan.nextRunAt?.toISOString()).toBe('2026-01-08T00:00:01.000Z');
  });

  test('the next slot after a due slot keeps the DST rules: a spring-forward slot shifts to the jump', () => {
    const timing = { ...base, cronExpression: '30 2 * * *', timezone: 'America/New_York', nextRunAt: at('2026-03-07T07:30:00Z') };
    const plan = planDueSlots(timing, at('2026-03-07T07:30:00.004Z'), limits);
    expect(isoList(plan.fire)).toEqual(['2026-03-07T07:30:00.000Z']);
    expect(plan.nextRunAt?.toISOString()).toBe('2026-03-08T07:00:00.000Z');
    const skipping = planDueSlots({ ...timing, dstGap: 'skip' }, at('2026-03-07T07:30:00.004Z'), limits);
    expect(skipping.nextRunAt?.toISOString()).toBe('2026-03-09T06:30:00.000Z');
  });

  test('an interval schedule continues from its last due slot', () => {
    const timing = { ...base, scheduleType: 'interval' as const, cronExpression: null, intervalSeconds: 90, missedRunPolicy: 'catch_up' as const, nextRunAt: at('2026-01-01T10:00:00Z') };
    const plan = planDueSlots(timing, at('2026-01-01T10:04:00Z'), limits);
    expect(isoList(plan.fire)).toEqual(['2026-01-01T10:00:00.000Z', '2026-01-01T10:01:30.000Z', '2026-01-01T10:03:00.000Z']);
    expect(plan.nextRunAt?.toISOString()).toBe('2026-01-01T10:04:30.000Z');
  });

  test('a fired once schedule has no next slot', () => {
    const timing = { ...base, scheduleType: 'once' as const, cronExpression: null, runAt: at('2026-01-01T10:00:00Z'), nextRunAt: at('2026-01-01T10:00:00Z') };
    const plan = planDueSlots(timing, at('2026-01-01T10:00:00.5Z'), limits);
    expect(plan.fire).toHaveLength(1);
    expect(plan.nextRunAt).toBeNull();
  });
});

describe('the due planner of one tick', () => {
  const now = at('2026-01-01T12:00:30Z');
  const due = { ...base, nextRunAt: at('2026-01-01T12:00:00Z') };

  test('schedules with the same timing share one plan, equal to planning each alone', () => {
    const plan = createDuePlanner(now, limits);
    const first = plan({ ...due });
    expect(plan({ ...due })).toBe(first);
    expect(first).toEqual(planDueSlots(due, now, limits));
    expect(isoList(first.fire)).toEqual(['2026-01-01T12:00:00.000Z']);
  });

  test('every field a cron plan reads tells timings apart', () => {
    const plan = createDuePlanner(now, limits);
    const variants: ScheduleTiming[] = [
      due,
      { ...due, cronExpression: '*/30 * * * *' },
      { ...due, timezone: 'Europe/Berlin' },
      { ...due, dstGap: 'skip' },
      { ...due, dstOverlap: 'both' },
      { ...due, missedRunPolicy: 'catch_up', nextRunAt: at('2026-01-01T09:00:00Z') },
      { ...due, missedRunPolicy: 'run_once', nextRunAt: at('2026-01-01T09:00:00Z') },
      { ...due, nextRunAt: at('2026-01-01T09:00:00Z') },
      { ...due, missedRunPolicy: 'catch_up', catchUpWindowSeconds: 3_600, nextRunAt: at('2026-01-01T09:00:00Z') },
      { ...due, exclusions: [{ from: '2026-01-01T11:00:00Z', until: '2026-01-01T13:00:00Z' }] },
    ];
    const plans = variants.map((timing) => plan(timing));
    expect(new Set(plans).size).toBe(variants.length);
    variants.forEach((timing, index) => expect(plans[index]).toEqual(planDueSlots(timing, now, limits)));
  });

  test('interval schedules are planned each on its own (their slots follow their own anchor)', () => {
    const plan = createDuePlanner(now, limits);
    const interval = { ...base, scheduleType: 'interval' as const, cronExpression: null, intervalSeconds: 60, nextRunAt: at('2026-01-01T12:00:00Z') };
    expect(plan(interval)).not.toBe(plan({ ...interval }));
    expect(plan(interval)).toEqual(planDueSlots(interval, now, limits));
  });
});
