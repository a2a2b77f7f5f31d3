/**
 * The dashboard service: what the console's dashboard and a schedule's stats page show (SPEC
 * §6) — run counts by status, 30 days of outcomes with success rate and duration percentiles,
 * the failures of the last 24 h, late or missed schedules, and the upcoming slots.
 *
 * - Time: one `now`, read from the database clock (the tests' controlled clock), is passed to
 *   every statement, so the figures of one answer agree on the same instant.
 * - Days are UTC days, oldest first, exactly `DAYS` of them ending today, zero-filled.
 * - Late: an active schedule whose `next_run_at` is older than the scheduler's late tolerance
 *   (its slot should have fired and nobody fired it). Missed: a schedule whose
 *   `last_missed_at` is within 24 h. Both at once shows as late.
 * - Upcoming slots are computed here with the scheduler's own slot rules (`time/slots.ts`,
 *   blackout windows included), from the active schedules due soonest: the N earliest slots
 *   of all schedules necessarily belong to the N schedules with the earliest `next_run_at`.
 * - Scope: a tenant-bound actor sees its tenant's schedules and runs only; a schedule of
 *   another tenant does not exist for it (not found).
 *
 * Read-only: it changes nothing and audits nothing.
 */
import { readDatabaseNow } from '../db/queries/database-now.js';
import { findSchedule } from '../db/queries/scheduled-jobs.js';
import {
  countRunsByStatus,
  listDailyRunStats,
  listLateOrMissedSchedules,
  listRecentFailures,
  listSchedulesDueSoonest,
  type DailyRow,
  type LateOrMissedRow,
  type StatsScope,
} from '../db/queries/stats.js';
import { ErrorCode, HourglassError } from '../errors.js';
import type { JobRun, RunStatus, ScheduledJob } from '../model.js';
import type { Runtime } from '../runtime.js';
import { timingOf } from '../scheduler/tick.js';
import { listUpcomingSlots } from '../time/slots.js';
import { canSee, libraryActor, type Actor } from './actor.js';

/** Outcomes of the runs that finished on one UTC day. */
export interface DailyStats {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  completed: number;
  failed: number;
  cancelled: number;
  skipped: number;
  /** completed / (completed + failed); null when neither. */
  successRate: number | null;
  /** Median `finished_at − started_at` of completed and failed runs, whole ms; null when none. */
  p50DurationMs: number | null;
  p95DurationMs: number | null;
}

/** Pending and running: current totals. The finished statuses: finished in the last 24 h. */
export interface StatusCounts {
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  skipped: number;
}

export interface UpcomingSlot {
  scheduledJobId: string;
  scheduleKey: string | null;
  scheduleName: string;
  tenantId: string | null;
  timezone: string;
  at: Date;
}

export interface LateSchedule extends LateOrMissedRow {
  /** now − next_run_at for a late schedule; null for a missed one. */
  lateByMs: number | null;
}

export interface Dashboard {
  generatedAt: Date;
  statusCounts: StatusCounts;
  /** Exactly `DAYS` entries, oldest first, zero-filled; the last one is today (UTC). */
  daily: DailyStats[];
  failuresLast24h: number;
  /** Failed runs finished in the last 24 h, newest first, at most `RECENT_FAILURES`. */
  recentFailures: JobRun[];
  /** Late ones first (the latest first), then missed ones; at most `LATE_SCHEDULES`. */
  lateSchedules: LateSchedule[];
  /** The next `UPCOMING_SLOTS` slots across all active schedules, earliest first. */
  upcoming: UpcomingSlot[];
}

export interface ScheduleStats {
  scheduleId: string;
  generatedAt: Date;
  statusCounts: StatusCounts;
  daily: DailyStats[];
  failuresLast24h: number;
  recentFailures: JobRun[];
  late: LateSchedule | null;
  /** The next `UPCOMING_SLOTS_PER_SCHEDULE` slots; empty unless the schedule is active. */
  upcoming: UpcomingSlot[];
}

export const DAYS = 30;
export const RECENT_FAILURES = 20;
export const LATE_SCHEDULES = 100;
export const UPCOMING_SLOTS = 20;
export const UPCOMING_SLOTS_PER_SCHEDULE = 5;
const DAY_MS = 86_400_000;
/** Most slots examined per schedule, so blackout windows that suppress every slot end the walk. */
const MAX_SLOT_SCAN = 1000;

/** The figures the dashboard and a schedule's stats share. */
interface RunFigures {
  statusCounts: StatusCounts;
  daily: DailyStats[];
  failuresLast24h: number;
  recentFailures: JobRun[];
}

function toStatusCounts(counts: Map<RunStatus, number>): StatusCounts {
  const of = (status: RunStatus) => counts.get(status) ?? 0;
  return { pending: of('pending'), running: of('running'), completed: of('completed'), failed: of('failed'), cancelled: of('cancelled'), skipped: of('skipped') };
}

/** `DAYS` UTC days from `since` (a UTC midnight), each from its row or zero. */
function fillDays(rows: readonly DailyRow[], since: Date): DailyStats[] {
  const byDay = new Map(rows.map((row) => [row.day, row]));
  const round = (value: number | null) => (value === null ? null : Math.round(value));
  return Array.from({ length: DAYS }, (_, index) => {
    const day = new Date(since.getTime() + index * DAY_MS).toISOString().slice(0, 10);
    const row = byDay.get(day);
    const completed = row?.completed ?? 0;
    const failed = row?.failed ?? 0;
    return {
      day,
      completed,
      failed,
      cancelled: row?.cancelled ?? 0,
      skipped: row?.skipped ?? 0,
      successRate: completed + failed > 0 ? completed / (completed + failed) : null,
      p50DurationMs: round(row?.p50DurationMs ?? null),
      p95DurationMs: round(row?.p95DurationMs ?? null),
    };
  });
}

function toLateSchedule(row: LateOrMissedRow, now: Date): LateSchedule {
  const lateByMs = row.reason === 'late' && row.nextRunAt ? now.getTime() - row.nextRunAt.getTime() : null;
  return { ...row, lateByMs };
}

/**
 * The next `count` slots of an active schedule from its `next_run_at` on, by the scheduler's
 * slot rules; slots inside a blackout window are left out (they will be suppressed, not fired).
 */
export function computeUpcomingSlots(schedule: ScheduledJob, count: number): UpcomingSlot[] {
  return listUpcomingSlots(timingOf(schedule), count, MAX_SLOT_SCAN).map((at) => ({
    scheduledJobId: schedule.id,
    scheduleKey: schedule.key,
    scheduleName: schedule.name,
    tenantId: schedule.tenantId,
    timezone: schedule.timezone,
    at,
  }));
}

/** The `count` earliest slots of `schedules`, earliest first (ties by schedule id). */
export function mergeUpcomingSlots(schedules: readonly ScheduledJob[], count: number): UpcomingSlot[] {
  return schedules
    .flatMap((schedule) => computeUpcomingSlots(schedule, count))
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.scheduledJobId.localeCompare(b.scheduledJobId))
    .slice(0, count);
}

export function createDashboardService(runtime: Runtime) {
  const { db, schema } = runtime;

  async function readRunFigures(now: Date, scope: StatsScope): Promise<RunFigures> {
    const since = new Date(now.getTime() - DAY_MS);
    const firstDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (DAYS - 1)));
    const [counts, daily, recentFailures] = await Promise.all([
      countRunsByStatus(db, schema, { now, since }, scope),
      listDailyRunStats(db, schema, { now, since: firstDay }, scope),
      listRecentFailures(db, schema, { now, since, limit: RECENT_FAILURES }, scope),
    ]);
    const statusCounts = toStatusCounts(counts);
    return { statusCounts, daily: fillDays(daily, firstDay), failuresLast24h: statusCounts.failed, recentFailures };
  }

  async function readLateSchedules(now: Date, scope: StatsScope, limit: number): Promise<LateSchedule[]> {
    const window = {
      now,
      lateBefore: new Date(now.getTime() - runtime.config.scheduler.lateToleranceMs),
      missedSince: new Date(now.getTime() - DAY_MS),
      limit,
    };
    const rows = await listLateOrMissedSchedules(db, schema, window, scope);
    return rows.map((row) => toLateSchedule(row, now));
  }

  return {
    async dashboard(actor: Actor = libraryActor): Promise<Dashboard> {
      const now = await readDatabaseNow(db, runtime.clock);
      const scope: StatsScope = { tenantId: actor.tenantId };
      const [figures, lateSchedules, dueSoonest] = await Promise.all([
        readRunFigures(now, scope),
        readLateSchedules(now, scope, LATE_SCHEDULES),
        listSchedulesDueSoonest(db, schema, actor.tenantId, UPCOMING_SLOTS),
      ]);
      return { generatedAt: now, ...figures, lateSchedules, upcoming: mergeUpcomingSlots(dueSoonest, UPCOMING_SLOTS) };
    },

    async scheduleStats(idOrKey: string, actor: Actor = libraryActor): Promise<ScheduleStats> {
      const schedule = typeof idOrKey === 'string' && idOrKey.length <= 200 ? await findSchedule(db, schema, idOrKey) : null;
      if (!schedule || !canSee(actor, schedule.tenantId)) throw new HourglassError(ErrorCode.notFound, `schedule "${idOrKey}" not found`, { field: 'id' });
      const now = await readDatabaseNow(db, runtime.clock);
      const scope: StatsScope = { tenantId: actor.tenantId, scheduledJobId: schedule.id };
      const [figures, late] = await Promise.all([readRunFigures(now, scope), readLateSchedules(now, scope, 1)]);
      const upcoming = schedule.status === 'active' ? computeUpcomingSlots(schedule, UPCOMING_SLOTS_PER_SCHEDULE) : [];
      return { scheduleId: schedule.id, generatedAt: now, ...figures, late: late[0] ?? null, upcoming };
    },
  };
}

export type DashboardService = ReturnType<typeof createDashboardService>;
