/**
 * SPEC §3: blackout windows (`exclusions`), `jitter_seconds` and backfill, driven with a
 * controlled clock and explicit ticks.
 */
import { describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import type { HourglassError } from '../../src/errors.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock, type TestClock } from '../helpers/clock.js';

const env = setupTestDatabase();

const noop = defineJob({ name: 'noop', async run() {} });

const HOUR_MS = 3_600_000;
const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;

/** The runs of a schedule, oldest slot first. */
async function runsOf(hg: Hourglass, scheduleId: string) {
  const runs = [];
  let cursor: string | undefined;
  do {
    const page = await hg.runs.list({ scheduledJobId: scheduleId, limit: 500, cursor });
    runs.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return runs.sort((a, b) => (a.scheduledFor?.getTime() ?? 0) - (b.scheduledFor?.getTime() ?? 0));
}

/** Ticks at every `stepMs` from `from` to `to` (inclusive) and sums the tick results. */
async function tickThrough(hg: Hourglass, clock: TestClock, from: string, to: string, stepMs: number) {
  const total = { runs: 0, missed: 0, suppressed: 0, skipped: 0 };
  for (let at = Date.parse(from); at <= Date.parse(to); at += stepMs) {
    clock.set(new Date(at));
    const result = await hg.tick();
    total.runs += result.runs;
    total.missed += result.missed;
    total.suppressed += result.suppressed;
    total.skipped += result.skipped;
  }
  return total;
}

/** The error `promise` rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<HourglassError> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: HourglassError) => error,
  );
}

describe('blackout windows', () => {
  test('a cron blackout window suppresses the slots it matches, counts them, and lets every other slot fire', async () => {
    // 2026-01-02 is a Friday; the window covers 00:00-06:59 on Saturday and Sunday.
    const clock = createTestClock('2026-01-02T19:00:30Z');
    const hg = await env.create({ jobs: [noop] }, { clock });
    const schedule = await hg.schedules.create({
      name: 'every 2 hours',
      jobType: 'noop',
      cronExpression: '0 */2 * * *',
      overlapPolicy: 'allow',
      exclusions: [{ cron: '* 0-6 * * SAT,SUN', reason: 'weekend nights' }],
    });
    const fired: string[] = [];
    hg.on('schedule:fired', (event) => fired.push(iso(event.slot)!));

    const total = await tickThrough(hg, clock, '2026-01-02T20:00:00Z', '2026-01-05T08:00:00Z', 2 * HOUR_MS);
    // 31 slots from Friday 20:00 to Monday 08:00; 4 on Saturday night and 4 on Sunday night are suppressed.
    expect(total).toMatchObject({ runs: 23, suppressed: 8, missed: 0 });
    const after = await hg.schedules.get(schedule.id);
    expect(after).toMatchObject({ suppressedCount: 8, runCount: 23, missedCount: 0 });
    expect(iso(after.nextRunAt)).toBe('2026-01-05T10:00:00.000Z');

    const runSlots = (await runsOf(hg, schedule.id)).map((run) => iso(run.scheduledFor)!);
    expect(runSlots).toEqual(fired);
    for (const night of ['2026-01-03', '2026-01-04']) {
      for (const hour of ['00', '02', '04', '06']) expect(runSlots).not.toContain(`${night}T${hour}:00:00.000Z`);
      for (const hour of ['08', '10', '22']) expect(runSlots).toContain(`${night}T${hour}:00:00.000Z`);
    }
    // Monday night is outside the window.
    for (const hour of ['00', '02', '04', '06', '08']) expect(runSlots).toContain(`2026-01-05T${hour}:00:00.000Z`);
  });

  test('date-range blackout windows suppress whole days of plain dates and instants up to an exclusive end', async () => {
    // 09:00 in Berlin is 08:00Z in winter.
    const clock = createTestClock('2026-12-21T12:00:00Z');
    const hg = await env.create({ jobs: [noop] }, { clock });
    const schedule = await hg.schedules.create({
      name: 'daily in Berlin',
      jobType: 'noop',
      cronExpression: '0 9 * * *',
      timezone: 'Europe/Berlin',
      overlapPolicy: 'allow',
      exclusions: [
        { from: '2026-12-24', until: '2026-12-26', reason: 'holidays' },
        { from: '2026-12-31T00:00:00Z', until: '2027-01-01T08:00:00Z', reason: 'year-end freeze' },
      ],
    });
    const total = await tickThrough(hg, clock, '2026-12-22T08:00:00Z', '2027-01-02T08:00:00Z', 24 * HOUR_MS);
    expect(total).toMatchObject({ runs: 8, suppressed: 4 });
    expect((await hg.schedules.get(schedule.id)).suppressedCount).toBe(4);
    const runDays = (await runsOf(hg, schedule.id)).map((run) => iso(run.scheduledFor)!.slice(0, 10));
    expect(runDays).toEqual(['2026-12-22', '2026-12-23', '2026-12-27', '2026-12-28', '2026-12-29', '2026-12-30', '2027-01-01', '2027-01-02']);
  });

  test('a plain-date blackout window covers that calendar day in the schedule time zone, not in UTC', async () => {
    // 2026-07-04 in New York (EDT, UTC-4) is 04:00Z on the 4th to 04:00Z on the 5th.
    const clock = createTestClock('2026-07-03T23:30:00Z');
    const hg = await env.create({ jobs: [noop] }, { clock });
    const schedule = await hg.schedules.create({
      name: 'hourly in New York',
      jobType: 'noop',
      cronExpression: '0 * * * *',
      timezone: 'America/New_York',
      overlapPolicy: 'allow',
      exclusions: [{ from: '2026-07-04', until: '2026-07-04' }],
    });
    const total = await tickThrough(hg, clock, '2026-07-04T00:00:00Z', '2026-07-05T06:00:00Z', HOUR_MS);
    expect(total).toMatchObject({ runs: 7, suppressed: 24 });
    expect((await hg.schedules.get(schedule.id)).suppressedCount).toBe(24);
    expect((await runsOf(hg, schedule.id)).map((run) => iso(run.scheduledFor))).toEqual([
      '2026-07-04T00:00:00.000Z',
      '2026-07-04T01:00:00.000Z',
      '2026-07-04T02:00:00.000Z',
      '2026-07-04T03:00:00.000Z',
      '2026-07-05T04:00:00.000Z',
      '2026-07-05T05:00:00.000Z',
      '2026-07-05T06:00:00.000Z',
    ]);
  });
});

describe('jitter', () => {
  async function jitteredRuns(random: (() => number) | undefined, slots: number) {
    const clock = createTestClock('2026-04-01T08:00:30Z');
    const hg = await env.create({ jobs: [noop] }, random ? { clock, random } : { clock });
    const schedule = await hg.schedules.create({ name: 'jittered', jobType: 'noop', cronExpression: '* * * * *', jitterSeconds: 30, overlapPolicy: 'allow' });
    const total = await tickThrough(hg, clock, '2026-04-01T08:01:00Z', new Date(Date.parse('2026-04-01T08:01:00Z') + (slots - 1) * 60_000).toISOString(), 60_000);
    expect(total.runs).toBe(slots);
    const runs = await runsOf(hg, schedule.id);
    expect(runs).toHaveLength(slots);
    return runs.map((run) => ({ slot: run.scheduledFor!, delayMs: run.runAfter.getTime() - run.scheduledFor!.getTime() }));
  }

  test('with the largest random draw every run starts at most jitterSeconds after its slot', async () => {
    const delays = await jitteredRuns(() => 0.999, 10);
    for (const { delayMs } of delays) {
      expect(delayMs).toBeGreaterThan(29_000);
      expect(delayMs).toBeLessThanOrEqual(30_000);
    }
  });

  test('with the smallest random draw every run may start exactly at its slot, never before', async () => {
    const delays = await jitteredRuns(() => 0, 10);
    expect(delays.map(({ delayMs }) => delayMs)).toEqual(new Array(10).fill(0));
  });

  test('with the default random source every run starts within [slot, slot + jitterSeconds] and the delays vary', async () => {
    const delays = await jitteredRuns(undefined, 40);
    for (const { delayMs } of delays) {
      expect(delayMs).toBeGreaterThanOrEqual(0);
      expect(delayMs).toBeLessThanOrEqual(30_000);
    }
    expect(new Set(delays.map(({ delayMs }) => delayMs)).size).toBeGreaterThan(10);
  });
});

describe('backfill', () => {
  async function hourlySchedule(input: { overlapPolicy?: 'allow' | 'skip' | 'replace' } = {}) {
    const clock = createTestClock('2026-02-10T12:00:30Z');
    const hg = await env.create({ jobs: [noop] }, { clock });
    const schedule = await hg.schedules.create({ name: 'hourly', jobType: 'noop', cronExpression: '0 * * * *', ...input });
    return { clock, hg, schedule };
  }

  test('a backfill creates one run per slot of the range (start exclusive, end inclusive) with trigger backfill', async () => {
    const { hg, schedule } = await hourlySchedule({ overlapPolicy: 'allow' });
    const result = await hg.schedules.backfill(schedule.id, { from: '2026-02-09T00:00:00Z', to: '2026-02-09T06:00:00Z' });
    expect(result).toMatchObject({ fired: 6, skipped: 0 });
    const runs = await runsOf(hg, schedule.id);
    expect(runs.map((run) => iso(run.scheduledFor))).toEqual(['01', '02', '03', '04', '05', '06'].map((hour) => `2026-02-09T${hour}:00:00.000Z`));
    for (const run of runs) expect(run).toMatchObject({ trigger: 'backfill', status: 'pending', jobType: 'noop', createdBy: 'library' });
    const after = await hg.schedules.get(schedule.id);
    expect(after.runCount).toBe(6);
    expect(iso(after.nextRunAt)).toBe('2026-02-10T13:00:00.000Z');
  });

  test('a backfill of an interval schedule fires the slots on the schedule phase', async () => {
    const clock = createTestClock('2026-02-10T10:00:30Z');
    const hg = await env.create({ jobs: [noop] }, { clock });
    const schedule = await hg.schedules.create({ name: 'quarter-hourly', jobType: 'noop', intervalSeconds: 900, overlapPolicy: 'allow' });
    expect(iso(schedule.nextRunAt)).toBe('2026-02-10T10:15:30.000Z');
    const result = await hg.schedules.backfill(schedule.id, { from: '2026-02-10T08:00:00Z', to: '2026-02-10T10:00:00Z' });
    expect(result.fired).toBe(8);
    const runs = await runsOf(hg, schedule.id);
    expect(runs.map((run) => iso(run.scheduledFor))).toEqual(
      ['08:00:30', '08:15:30', '08:30:30', '08:45:30', '09:00:30', '09:15:30', '09:30:30', '09:45:30'].map((time) => `2026-02-10T${time}.000Z`),
    );
  });

  test('a backfill applies the overlap policy: with skip and a run still active every backfilled slot becomes a skipped row', async () => {
    const { clock, hg, schedule } = await hourlySchedule({ overlapPolicy: 'skip' });
    clock.set('2026-02-10T13:00:00Z');
    expect(await hg.tick()).toMatchObject({ runs: 1 });
    const [active] = await runsOf(hg, schedule.id);

    const result = await hg.schedules.backfill(schedule.id, { from: '2026-02-09T00:00:00Z', to: '2026-02-09T03:00:00Z' });
    expect(result).toMatchObject({ fired: 0, skipped: 3 });
    const backfilled = (await runsOf(hg, schedule.id)).filter((run) => run.trigger === 'backfill');
    expect(backfilled).toHaveLength(3);
    for (const run of backfilled) {
      expect(run.status).toBe('skipped');
      expect(run.errorMessage).toContain(active!.id);
      expect(run.finishedAt).not.toBeNull();
    }
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: 1, skippedCount: 3 });
    expect((await hg.runs.get(active!.id)).status).toBe('pending');
  });

  test('a backfill applies the overlap policy: with replace a pending run is cancelled at the backfill instant and only the newest slot stays pending', async () => {
    const { clock, hg, schedule } = await hourlySchedule({ overlapPolicy: 'replace' });
    clock.set('2026-02-10T13:00:00Z');
    await hg.tick();
    const [active] = await runsOf(hg, schedule.id);

    clock.set('2026-02-10T13:20:00Z');
    const result = await hg.schedules.backfill(schedule.id, { from: '2026-02-09T00:00:00Z', to: '2026-02-09T02:00:00Z' });
    expect(result).toMatchObject({ fired: 2, skipped: 0 });
    const replaced = await hg.runs.get(active!.id);
    expect(replaced).toMatchObject({ status: 'cancelled' });
    expect(replaced.errorMessage).toMatch(/replaced by a newer run/);
    expect(iso(replaced.finishedAt)).toBe('2026-02-10T13:20:00.000Z');
    const backfilled = (await runsOf(hg, schedule.id)).filter((run) => run.trigger === 'backfill');
    expect(backfilled.map((run) => [iso(run.scheduledFor), run.status])).toEqual([
      ['2026-02-09T01:00:00.000Z', 'cancelled'],
      ['2026-02-09T02:00:00.000Z', 'pending'],
    ]);
  });

  test('a backfill with the end before the start is a validation error and writes nothing', async () => {
    const { hg, schedule } = await hourlySchedule({ overlapPolicy: 'allow' });
    const error = await rejection(hg.schedules.backfill(schedule.id, { from: '2026-02-09T06:00:00Z', to: '2026-02-09T00:00:00Z' }));
    expect(error).toMatchObject({ code: 'validation_error', field: 'to', status: 400 });
    expect(error.message).toMatch(/after from/);
    expect(await runsOf(hg, schedule.id)).toHaveLength(0);
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: 0, skippedCount: 0, version: schedule.version });
  });

  test('a backfill of more than 1000 slots is a validation error and writes nothing, while exactly 1000 slots are accepted', async () => {
    const clock = createTestClock('2026-02-10T12:00:30Z');
    const hg = await env.create({ jobs: [noop] }, { clock });
    const schedule = await hg.schedules.create({ name: 'every minute', jobType: 'noop', cronExpression: '* * * * *', overlapPolicy: 'allow' });

    const error = await rejection(hg.schedules.backfill(schedule.id, { from: '2026-02-08T00:00:00Z', to: '2026-02-09T00:00:00Z' }));
    expect(error).toMatchObject({ code: 'validation_error', field: 'to' });
    expect(error.message).toMatch(/more than 1000 slots/);
    expect(await runsOf(hg, schedule.id)).toHaveLength(0);
    expect((await hg.schedules.get(schedule.id)).runCount).toBe(0);

    // 1001 minutes after 00:00 hold 1001 slots; 1000 minutes hold exactly 1000.
    await expect(hg.schedules.backfill(schedule.id, { from: '2026-02-09T00:00:00Z', to: '2026-02-09T16:41:00Z' })).rejects.toMatchObject({ code: 'validation_error' });
    const result = await hg.schedules.backfill(schedule.id, { from: '2026-02-09T00:00:00Z', to: '2026-02-09T16:40:00Z' });
    expect(result.fired).toBe(1000);
    const runs = await runsOf(hg, schedule.id);
    expect(runs).toHaveLength(1000);
    expect(iso(runs[0]!.scheduledFor)).toBe('2026-02-09T00:01:00.000Z');
    expect(iso(runs.at(-1)!.scheduledFor)).toBe('2026-02-09T16:40:00.000Z');
  });
});
