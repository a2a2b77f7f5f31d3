/**
 * The read-only aggregates behind the dashboard and a schedule's stats: run counts by status,
 * per-day outcomes with duration percentiles, recent failures, late or missed schedules, and
 * the active schedules that are due soonest. Nothing here locks or writes.
 *
 * Every statement takes `now` as a parameter (never SQL `now()`): the service reads it once
 * from the database clock (or the tests' controlled clock), so all figures of one answer agree
 * on the same instant. Every statement takes the same scope: all tenants or one (`tenant_id is
 * not distinct from`, as the lists do), all schedules or one.
 *
 * Indexes: windows on `finished_at` are ranges, served by `job_runs_finished_idx` (all runs)
 * and `job_runs_schedule_finished_idx` (one schedule's); pending and running totals use the
 * claim and lease indexes, which are partial on exactly those statuses. `scheduled_jobs` holds
 * one row per schedule, so the late-or-missed scan reads it whole.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';
import type { JobRun, RunStatus, ScheduledJob } from '../../model.js';
import { camelizeRows } from './rows.js';

/** Which rows a statement reads. */
export interface StatsScope {
  /** undefined: every tenant; a string (or null: system rows) only that tenant's rows. */
  tenantId?: string | null;
  /** Only this schedule's runs (or only this schedule). */
  scheduledJobId?: string;
}

function scopeParams(scope: StatsScope): [boolean, string | null, string | null] {
  return [scope.tenantId !== undefined, scope.tenantId ?? null, scope.scheduledJobId ?? null];
}

/**
 * Params: $1 now, $2 since (now − 24 h), $3 filter by tenant, $4 tenant id, $5 schedule id
 * (nullable). Pending and running: current totals. Finished statuses: finished in ($2, $1].
 */
const statusCountsSql = (s: SchemaName) => `
  select status, count(*)::int as count
  from (
    select status, tenant_id, scheduled_job_id from ${s.quoted}.job_runs where status = 'pending'
    union all
    select status, tenant_id, scheduled_job_id from ${s.quoted}.job_runs where status = 'running'
    union all
    select status, tenant_id, scheduled_job_id
    from ${s.quoted}.job_runs
    where finished_at > $2
      and finished_at <= $1
      and status in ('completed', 'failed', 'cancelled', 'skipped')
  ) as counted
  where ($3::boolean is false or tenant_id is not distinct from $4)
    and ($5::uuid is null or scheduled_job_id = $5)
  group by status`;

export async function countRunsByStatus(db: Queryable, s: SchemaName, window: { now: Date; since: Date }, scope: StatsScope): Promise<Map<RunStatus, number>> {
  const { rows } = await db.query<{ status: RunStatus; count: number }>(statusCountsSql(s), [window.now, window.since, ...scopeParams(scope)]);
  return new Map(rows.map((row) => [row.status, row.count]));
}

export interface DailyRow {
  /** `YYYY-MM-DD`, the UTC day the runs finished. */
  day: string;
  completed: number;
  failed: number;
  cancelled: number;
  skipped: number;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
}

/**
 * Params: $1 now, $2 since (a UTC midnight), $3 filter by tenant, $4 tenant id, $5 schedule
 * id (nullable). One row per UTC day with finished runs in [$2, $1]; days without any are
 * absent (the caller fills them). Durations: `finished_at − started_at` of completed and
 * failed runs, in milliseconds.
 */
const dailySql = (s: SchemaName) => `
  select
    to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD') as day,
    count(*) filter (where status = 'completed')::int as completed,
    count(*) filter (where status = 'failed')::int as failed,
    count(*) filter (where status = 'cancelled')::int as cancelled,
    count(*) filter (where status = 'skipped')::int as skipped,
    percentile_cont(0.5) within group (order by (extract(epoch from finished_at - started_at) * 1000)::float8)
      filter (where status in ('completed', 'failed') and started_at is not null) as p50_duration_ms,
    percentile_cont(0.95) within group (order by (extract(epoch from finished_at - started_at) * 1000)::float8)
      filter (where status in ('completed', 'failed') and started_at is not null) as p95_duration_ms
  from ${s.quoted}.job_runs
  where finished_at >= $2
    and finished_at <= $1
    and status in ('completed', 'failed', 'cancelled', 'skipped')
    and ($3::boolean is false or tenant_id is not distinct from $4)
    and ($5::uuid is null or scheduled_job_id = $5)
  group by 1
  order by 1`;

export async function listDailyRunStats(db: Queryable, s: SchemaName, window: { now: Date; since: Date }, scope: StatsScope): Promise<DailyRow[]> {
  const { rows } = await db.query(dailySql(s), [window.now, window.since, ...scopeParams(scope)]);
  return camelizeRows<DailyRow>(rows);
}

/**
 * Params: $1 now, $2 since, $3 filter by tenant, $4 tenant id, $5 schedule id (nullable),
 * $6 limit. Failed runs that finished in ($2, $1], newest first.
 */
const recentFailuresSql = (s: SchemaName) => `
  select *
  from ${s.quoted}.job_runs
  where finished_at > $2
    and finished_at <= $1
    and status = 'failed'
    and ($3::boolean is false or tenant_id is not distinct from $4)
    and ($5::uuid is null or scheduled_job_id = $5)
  order by finished_at desc, id desc
  limit $6`;

export async function listRecentFailures(
  db: Queryable,
  s: SchemaName,
  window: { now: Date; since: Date; limit: number },
  scope: StatsScope,
): Promise<JobRun[]> {
  const { rows } = await db.query(recentFailuresSql(s), [window.now, window.since, ...scopeParams(scope), window.limit]);
  return camelizeRows<JobRun>(rows);
}

export interface LateOrMissedRow {
  id: string;
  key: string | null;
  name: string;
  tenantId: string | null;
  reason: 'late' | 'missed';
  nextRunAt: Date | null;
  lastMissedAt: Date | null;
  missedCount: number;
}

/**
 * Params: $1 now, $2 late before (now − late tolerance), $3 missed since (now − 24 h),
 * $4 filter by tenant, $5 tenant id, $6 schedule id (nullable), $7 limit.
 * Late: active and `next_run_at` < $2 (nobody fired the slot). Missed: any status,
 * `last_missed_at` in ($3, $1]. A schedule that is both is `late`. Late ones first, the
 * latest first; then missed ones, most recent first.
 */
const lateOrMissedSql = (s: SchemaName) => `
  select id, key, name, tenant_id, next_run_at, last_missed_at, missed_count,
    case when status = 'active' and next_run_at < $2 then 'late' else 'missed' end as reason
  from ${s.quoted}.scheduled_jobs
  where ((status = 'active' and next_run_at < $2) or (last_missed_at > $3 and last_missed_at <= $1))
    and ($4::boolean is false or tenant_id is not distinct from $5)
    and ($6::uuid is null or id = $6)
  -- 'late' sorts before 'missed'; late ones by how late, missed ones by when
  order by reason, case when status = 'active' and next_run_at < $2 then next_run_at end, last_missed_at desc nulls last, id
  limit $7`;

export async function listLateOrMissedSchedules(
  db: Queryable,
  s: SchemaName,
  window: { now: Date; lateBefore: Date; missedSince: Date; limit: number },
  scope: StatsScope,
): Promise<LateOrMissedRow[]> {
  const [byTenant, tenantId, scheduleId] = scopeParams(scope);
  const params = [window.now, window.lateBefore, window.missedSince, byTenant, tenantId, scheduleId, window.limit];
  const { rows } = await db.query(lateOrMissedSql(s), params);
  return camelizeRows<LateOrMissedRow>(rows);
}

/**
 * Params: $1 filter by tenant, $2 tenant id, $3 limit. The active schedules due soonest
 * (`scheduled_jobs_due_idx`), for computing upcoming slots.
 */
const dueSoonestSql = (s: SchemaName) => `
  select *
  from ${s.quoted}.scheduled_jobs
  where status = 'active'
    and next_run_at is not null
    and ($1::boolean is false or tenant_id is not distinct from $2)
  order by next_run_at, id
  limit $3`;

export async function listSchedulesDueSoonest(db: Queryable, s: SchemaName, tenantId: string | null | undefined, limit: number): Promise<ScheduledJob[]> {
  const { rows } = await db.query(dueSoonestSql(s), [tenantId !== undefined, tenantId ?? null, limit]);
  return camelizeRows<ScheduledJob>(rows);
}
