/**
 * The dashboard service (SPEC §6, the console's dashboard and `GET /scheduled-jobs/:id/stats`):
 * 30 zero-filled UTC days with success rate and duration percentiles, status counts, recent
 * failures, late and missed schedules, upcoming slots across zones, and tenant scoping.
 *
 * Time is the controlled clock; runs with precise durations and days are inserted with SQL.
 */
import { describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import type { HourglassConfigInput } from '../../src/config/schema.js';
import type { RunStatus } from '../../src/model.js';
import { createDashboardService } from '../../src/services/dashboard.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock } from '../helpers/clock.js';
import { rejected } from '../helpers/errors.js';

const env = setupTestDatabase();

const noop = defineJob({ name: 'noop', async run() {} });

const NOW = '2026-05-11T12:00:00.000Z';
const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;
const acme = { name: 'token:acme', tenantId: 'acme' };

async function setup(start: string = NOW, scheduler: Partial<HourglassConfigInput['scheduler']> = {}) {
  const clock = createTestClock(start);
  const hg = await env.create({ jobs: [noop], scheduler: { enabled: false, ...scheduler } as HourglassConfigInput['scheduler'] }, { clock });
  const service = createDashboardService(await hg.ready());
  return { clock, hg, service };
}

interface RunRow {
  status: RunStatus;
  finishedAt?: string | Date;
  durationMs?: number;
  scheduledJobId?: string;
  tenantId?: string;
}

/** Inserts runs as if they had run: started `durationMs` before `finishedAt`. */
async function insertRuns(hg: Hourglass, runs: RunRow[]) {
  const { db } = await hg.ready();
  for (const run of runs) {
    const finishedAt = run.finishedAt ? new Date(run.finishedAt) : null;
    const startedAt = finishedAt && run.durationMs !== undefined ? new Date(finishedAt.getTime() - run.durationMs) : null;
    await db.query(
      `insert into "${hg.config.schema}".job_runs (scheduled_job_id, tenant_id, job_type, trigger, status, started_at, finished_at, error_message)
       values ($1, $2, 'noop', 'manual', $3, $4, $5, $6)`,
      [run.scheduledJobId ?? null, run.tenantId ?? null, run.status, startedAt, finishedAt, run.status === 'failed' ? 'boom' : null],
    );
  }
}

/** `count` runs like `run`, finishing one minute apart before `last`. */
function runsBefore(last: string, count: number, run: Omit<RunRow, 'finishedAt'>): RunRow[] {
  return Array.from({ length: count }, (_, index) => ({ ...run, finishedAt: new Date(new Date(last).getTime() - index * 60_000) }));
}

describe('the 30-day history', () => {
  test('holds exactly 30 zero-filled UTC days, oldest first, ending today', async () => {
    const { service } = await setup();
    const dashboard = await service.dashboard();
    expect(iso(dashboard.generatedAt)).toBe(NOW);
    expect(dashboard.daily).toHaveLength(30);
    expect(dashboard.daily[0]!.day).toBe('2026-04-12');
    expect(dashboard.daily.at(-1)!.day).toBe('2026-05-11');
    for (const day of dashboard.daily) {
      expect(day).toMatchObject({ completed: 0, failed: 0, cancelled: 0, skipped: 0, successRate: null, p50DurationMs: null, p95DurationMs: null });
    }
    expect(dashboard).toMatchObject({ failuresLast24h: 0, recentFailures: [], lateSchedules: [], upcoming: [] });
    expect(dashboard.statusCounts).toEqual({ pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, skipped: 0 });
  });

  test('gives each UTC day its success rate and p50/p95 durations of completed and failed runs', async () => {
    const { hg, service } = await setup();
    // 2026-05-10: durations 1 s … 10 s, eight completed and two failed.
    const durations = Array.from({ length: 10 }, (_, index) => (index + 1) * 1000);
    await insertRuns(hg, durations.map((durationMs, index) => ({ status: index < 8 ? 'completed' : 'failed', durationMs, finishedAt: `2026-05-10T0${index}:00:00Z` })));
    // Cancelled and skipped runs count on their day but not in the durations.
    await insertRuns(hg, [
      { status: 'cancelled', durationMs: 500_000, finishedAt: '2026-05-10T23:59:59.999Z' },
      { status: 'skipped', finishedAt: '2026-05-10T12:00:00Z' },
      // The UTC day boundary, and a day outside the window.
      { status: 'failed', durationMs: 2000, finishedAt: '2026-05-11T00:00:00Z' },
      { status: 'completed', durationMs: 1000, finishedAt: '2026-04-11T23:59:59Z' },
    ]);

    const { daily } = await service.dashboard();
    const byDay = new Map(daily.map((day) => [day.day, day]));
    expect(byDay.get('2026-05-10')).toEqual({ day: '2026-05-10', completed: 8, failed: 2, cancelled: 1, skipped: 1, successRate: 0.8, p50DurationMs: 5500, p95DurationMs: 9550 });
    expect(byDay.get('2026-05-11')).toEqual({ day: '2026-05-11', completed: 0, failed: 1, cancelled: 0, skipped: 0, successRate: 0, p50DurationMs: 2000, p95DurationMs: 2000 });
    expect(daily.reduce((sum, day) => sum + day.completed, 0)).toBe(8);
  });
});

describe('status counts and recent failures', () => {
  test('count current pending and running runs and the runs finished in the last 24 hours', async () => {
    const { clock, hg, service } = await setup('2026-05-11T10:00:30Z');
    await hg.schedules.create({ name: 'every 10 min', jobType: 'noop', cronExpression: '*/10 * * * *' });
    clock.set('2026-05-11T10:10:00Z');
    expect(await hg.tick()).toMatchObject({ runs: 1 });
    clock.set(NOW);
    await insertRuns(hg, [
      { status: 'running' },
      ...runsBefore('2026-05-11T11:00:00Z', 3, { status: 'completed', durationMs: 100 }),
      ...runsBefore('2026-05-11T11:00:00Z', 2, { status: 'failed', durationMs: 100 }),
      { status: 'cancelled', finishedAt: '2026-05-10T12:00:01Z' },
      { status: 'skipped', finishedAt: '2026-05-11T11:59:00Z' },
      // Finished 24 h ago or earlier: in the history, not in the counts.
      { status: 'completed', durationMs: 100, finishedAt: '2026-05-10T12:00:00Z' },
      { status: 'failed', durationMs: 100, finishedAt: '2026-05-10T11:00:00Z' },
    ]);
    const dashboard = await service.dashboard();
    expect(dashboard.statusCounts).toEqual({ pending: 1, running: 1, completed: 3, failed: 2, cancelled: 1, skipped: 1 });
    expect(dashboard.failuresLast24h).toBe(2);
    expect(dashboard.daily.find((day) => day.day === '2026-05-10')).toMatchObject({ completed: 1, failed: 1, cancelled: 1 });
  });

  test('list the failed runs of the last 24 hours, newest first, at most 20', async () => {
    const { hg, service } = await setup();
    await insertRuns(hg, [
      ...runsBefore('2026-05-11T11:59:00Z', 22, { status: 'failed', durationMs: 10 }),
      { status: 'failed', durationMs: 10, finishedAt: '2026-05-10T11:00:00Z' },
      { status: 'completed', durationMs: 10, finishedAt: '2026-05-11T11:59:30Z' },
    ]);
    const dashboard = await service.dashboard();
    expect(dashboard.failuresLast24h).toBe(22);
    expect(dashboard.recentFailures).toHaveLength(20);
    expect(dashboard.recentFailures.every((run) => run.status === 'failed' && run.errorMessage === 'boom')).toBe(true);
    expect(iso(dashboard.recentFailures[0]!.finishedAt)).toBe('2026-05-11T11:59:00.000Z');
    const finished = dashboard.recentFailures.map((run) => run.finishedAt!.getTime());
    expect(finished).toEqual([...finished].sort((a, b) => b - a));
  });
});

describe('late and missed schedules', () => {
  test('a schedule whose slot is older than the late tolerance while no scheduler ticks is late, by how much', async () => {
    const { clock, hg, service } = await setup('2026-05-11T10:00:30Z');
    const schedule = await hg.schedules.create({ name: 'every 10 min', key: 'ten', jobType: 'noop', cronExpression: '*/10 * * * *' });
    const paused = await hg.schedules.create({ name: 'paused', jobType: 'noop', cronExpression: '*/5 * * * *' });
    await hg.schedules.pause(paused.id);

    clock.set('2026-05-11T10:11:00Z');
    expect((await service.dashboard()).lateSchedules).toEqual([]);

    clock.set('2026-05-11T10:11:00.001Z');
    expect((await service.dashboard()).lateSchedules).toEqual([
      { id: schedule.id, key: 'ten', name: 'every 10 min', tenantId: null, reason: 'late', nextRunAt: new Date('2026-05-11T10:10:00Z'), lastMissedAt: null, missedCount: 0, lateByMs: 60_001 },
    ]);
    expect((await service.scheduleStats('ten')).late).toMatchObject({ reason: 'late', lateByMs: 60_001 });
    expect((await service.scheduleStats(paused.id)).late).toBeNull();
  });

  test('a tick after a long gap under the skip policy makes the schedule missed for 24 hours, shown once as late when also late', async () => {
    const { clock, hg, service } = await setup('2026-05-11T10:00:30Z');
    const schedule = await hg.schedules.create({ name: 'every 10 min', jobType: 'noop', cronExpression: '*/10 * * * *', missedRunPolicy: 'skip' });
    clock.set('2026-05-11T13:05:00Z');
    expect(await hg.tick()).toMatchObject({ runs: 0, missed: 18 });

    const missed = { id: schedule.id, reason: 'missed', missedCount: 18, lastMissedAt: new Date('2026-05-11T13:05:00Z'), lateByMs: null };
    expect((await service.dashboard()).lateSchedules).toEqual([expect.objectContaining({ ...missed, nextRunAt: new Date('2026-05-11T13:10:00Z') })]);

    // Not ticked since: the 13:10 slot is now late too; the schedule shows once.
    clock.set('2026-05-11T13:20:00Z');
    expect((await service.dashboard()).lateSchedules).toEqual([expect.objectContaining({ ...missed, reason: 'late', lateByMs: 10 * 60_000 })]);

    // Paused, so not late; the miss is more than 24 h old.
    await hg.schedules.pause(schedule.id);
    clock.set('2026-05-12T13:05:00.001Z');
    expect((await service.dashboard()).lateSchedules).toEqual([]);
  });
});

describe('upcoming slots', () => {
  test('merge the slots of schedules in several zones into the 20 earliest, sorted', async () => {
    const { hg, service } = await setup();
    const create = (name: string, timing: Record<string, unknown>) => hg.schedules.create({ name, jobType: 'noop', ...timing });
    const kolkata = await create('kolkata hourly', { cronExpression: '0 * * * *', timezone: 'Asia/Kolkata' }); // :30 UTC
    const newYork = await create('new york daily', { cronExpression: '45 8 * * *', timezone: 'America/New_York' }); // 12:45 UTC
    const paris = await create('paris daily', { cronExpression: '0 15 * * *', timezone: 'Europe/Paris' }); // 13:00 UTC
    const lordHowe = await create('lord howe', { cronExpression: '10 */2 * * *', timezone: 'Australia/Lord_Howe' }); // odd hours :40 UTC
    const interval = await create('every 40 min', { scheduleType: 'interval', intervalSeconds: 2400 }); // 12:40, 13:20, …
    const paused = await create('paused', { cronExpression: '* * * * *' });
    await hg.schedules.pause(paused.id);
    await create('inactive', { cronExpression: '* * * * *', status: 'inactive' });

    const expected: Array<[string, string]> = [
      ['12:30', kolkata.id], ['12:40', interval.id], ['12:45', newYork.id], ['13:00', paris.id], ['13:20', interval.id],
      ['13:30', kolkata.id], ['13:40', lordHowe.id], ['14:00', interval.id], ['14:30', kolkata.id], ['14:40', interval.id],
      ['15:20', interval.id], ['15:30', kolkata.id], ['15:40', lordHowe.id], ['16:00', interval.id], ['16:30', kolkata.id],
      ['16:40', interval.id], ['17:20', interval.id], ['17:30', kolkata.id], ['17:40', lordHowe.id], ['18:00', interval.id],
    ];
    const { upcoming } = await service.dashboard();
    expect(upcoming.map((slot) => [iso(slot.at)!.slice(11, 16), slot.scheduledJobId])).toEqual(expected);
    expect(upcoming[6]).toEqual({ scheduledJobId: lordHowe.id, scheduleKey: null, scheduleName: 'lord howe', tenantId: null, timezone: 'Australia/Lord_Howe', at: new Date('2026-05-11T13:40:00Z') });

    const stats = await service.scheduleStats(lordHowe.id);
    expect(stats.upcoming.map((slot) => iso(slot.at)!.slice(11, 16))).toEqual(['13:40', '15:40', '17:40', '19:40', '21:40']);
    expect((await service.scheduleStats(paused.id)).upcoming).toEqual([]);
  });

  test('with more than 20 active schedules are the 20 earliest slots of all of them', async () => {
    const { hg, service } = await setup();
    const minute = 60_000;
    // 24 one-off schedules at 12:00:30 + 7k minutes, created in a shuffled order.
    const order = [5, 17, 0, 23, 11, 2, 19, 8, 14, 3, 21, 9, 1, 16, 6, 22, 12, 4, 20, 10, 15, 7, 18, 13];
    for (const k of order) {
      await hg.schedules.create({ name: `once ${k}`, jobType: 'noop', runAt: new Date(Date.parse(NOW) + 30_000 + 7 * k * minute) });
    }
    await hg.schedules.create({ name: 'every 15 min', jobType: 'noop', cronExpression: '*/15 * * * *' });
    const candidates = [
      ...order.map((k) => Date.parse(NOW) + 30_000 + 7 * k * minute),
      ...Array.from({ length: 20 }, (_, index) => Date.parse(NOW) + (index + 1) * 15 * minute),
    ].sort((a, b) => a - b);
    const { upcoming } = await service.dashboard();
    expect(upcoming.map((slot) => slot.at.getTime())).toEqual(candidates.slice(0, 20));
  });
});

describe('tenant scoping', () => {
  test('a tenant actor sees only its own schedules and runs; the library sees all', async () => {
    const { clock, hg, service } = await setup('2026-05-11T10:00:30Z');
    const mine = await hg.schedules.create({ name: 'acme sync', key: 'acme-sync', jobType: 'noop', cronExpression: '*/10 * * * *', tenantId: 'acme' });
    const theirs = await hg.schedules.create({ name: 'globex sync', key: 'globex-sync', jobType: 'noop', cronExpression: '*/10 * * * *', tenantId: 'globex' });
    const system = await hg.schedules.create({ name: 'system sync', key: 'system-sync', jobType: 'noop', cronExpression: '*/10 * * * *' });
    clock.set(NOW);
    for (const [schedule, count] of [[mine, 1], [theirs, 2], [system, 3]] as const) {
      await insertRuns(hg, runsBefore('2026-05-11T11:00:00Z', count, { status: 'failed', durationMs: 100, scheduledJobId: schedule.id, tenantId: schedule.tenantId ?? undefined }));
    }

    const scoped = await service.dashboard(acme);
    expect(scoped.statusCounts.failed).toBe(1);
    expect(scoped.recentFailures.map((run) => run.tenantId)).toEqual(['acme']);
    expect(scoped.daily.at(-1)).toMatchObject({ failed: 1 });
    expect(scoped.lateSchedules.map((late) => late.id)).toEqual([mine.id]);
    expect(new Set(scoped.upcoming.map((slot) => slot.scheduledJobId))).toEqual(new Set([mine.id]));

    const all = await service.dashboard();
    expect(all.statusCounts.failed).toBe(6);
    expect(all.lateSchedules).toHaveLength(3);
    expect(new Set(all.upcoming.map((slot) => slot.scheduledJobId))).toEqual(new Set([mine.id, theirs.id, system.id]));
  });
});

describe('the stats of one schedule', () => {
  test("count only that schedule's runs and list its next 5 slots", async () => {
    const { hg, service } = await setup();
    const schedule = await hg.schedules.create({ name: 'hourly', key: 'hourly', jobType: 'noop', cronExpression: '15 * * * *', tenantId: 'acme' });
    const other = await hg.schedules.create({ name: 'other', jobType: 'noop', cronExpression: '15 * * * *', tenantId: 'acme' });
    await insertRuns(hg, [
      { status: 'completed', durationMs: 1000, finishedAt: '2026-05-11T11:00:00Z', scheduledJobId: schedule.id, tenantId: 'acme' },
      { status: 'failed', durationMs: 3000, finishedAt: '2026-05-11T11:30:00Z', scheduledJobId: schedule.id, tenantId: 'acme' },
      { status: 'failed', durationMs: 9000, finishedAt: '2026-05-11T11:40:00Z', scheduledJobId: other.id, tenantId: 'acme' },
    ]);
    const stats = await service.scheduleStats('hourly', acme);
    expect(stats).toMatchObject({ scheduleId: schedule.id, generatedAt: new Date(NOW), failuresLast24h: 1, late: null });
    expect(stats.statusCounts).toEqual({ pending: 0, running: 0, completed: 1, failed: 1, cancelled: 0, skipped: 0 });
    expect(stats.daily).toHaveLength(30);
    expect(stats.daily.at(-1)).toEqual({ day: '2026-05-11', completed: 1, failed: 1, cancelled: 0, skipped: 0, successRate: 0.5, p50DurationMs: 2000, p95DurationMs: 2900 });
    expect(stats.recentFailures.map((run) => run.scheduledJobId)).toEqual([schedule.id]);
    expect(stats.upcoming.map((slot) => iso(slot.at))).toEqual(['12:15', '13:15', '14:15', '15:15', '16:15'].map((time) => `2026-05-11T${time}:00.000Z`));
  });

  test('of an unknown id or key, or of another tenant, is not_found on the id field', async () => {
    const { hg, service } = await setup();
    const theirs = await hg.schedules.create({ name: 'globex', key: 'globex', jobType: 'noop', cronExpression: '0 * * * *', tenantId: 'globex' });
    const system = await hg.schedules.create({ name: 'system', key: 'system', jobType: 'noop', cronExpression: '0 * * * *' });
    for (const [idOrKey, actor] of [
      ['0b5a4c9e-4d55-4a8e-9b67-3f0c2a1d9e11', undefined],
      ['no-such-key', undefined],
      [theirs.id, acme],
      ['globex', acme],
      [system.id, acme],
    ] as const) {
      const error = await rejected(service.scheduleStats(idOrKey, actor));
      expect({ code: error.code, field: error.field, status: error.status }).toEqual({ code: 'not_found', field: 'id', status: 404 });
    }
    expect((await service.scheduleStats('globex', { name: 'token:globex', tenantId: 'globex' })).scheduleId).toBe(theirs.id);
  });
});
