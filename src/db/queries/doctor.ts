/**
 * What `hourglass doctor` reads: the raw database clock, the newest applied migration, runs
 * past their lease, late schedules and failing notification deliveries. Read-only, no locks;
 * each statement reads one small table or a partial index.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';

/** The database's own clock, never the test clock: clock skew is about the real clocks. */
const databaseClockSql = 'select now() as now';

export async function readDatabaseClock(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>(databaseClockSql);
  return new Date(rows[0]!.now);
}

/** Params: $1 the ledger's qualified name. Null when there is no ledger. */
export async function readNewestAppliedMigration(db: Queryable, s: SchemaName): Promise<number | null> {
  const { rows } = await db.query<{ exists: boolean }>('select to_regclass($1) is not null as exists', [`${s.quoted}.migrations`]);
  if (!rows[0]?.exists) return null;
  const newest = await db.query<{ id: number | null }>(`select max(id) as id from ${s.quoted}.migrations`);
  return newest.rows[0]?.id ?? null;
}

export interface OverdueSummary {
  count: number;
  /** The oldest overdue instant (lease expiry, next_run_at, ...), or null when none. */
  oldest: Date | null;
  /** What the oldest one is (a run's job type, a schedule's name). */
  oldestLabel: string | null;
}

function summary(row: Record<string, unknown> | undefined): OverdueSummary {
  return {
    count: Number(row?.count ?? 0),
    oldest: row?.oldest ? new Date(row.oldest as string | Date) : null,
    oldestLabel: (row?.label as string | null | undefined) ?? null,
  };
}

/** Params: $1 now, $2 grace (ms). Running runs whose lease lapsed more than the grace ago. */
const stuckRunsSql = (s: SchemaName) => `
  with stuck as (
    select job_type, lease_expires_at from ${s.quoted}.job_runs
    where status = 'running' and lease_expires_at < $1::timestamptz - make_interval(secs => $2::double precision / 1000)
  )
  select (select count(*) from stuck)::integer as count,
         (select min(lease_expires_at) from stuck) as oldest,
         (select job_type from stuck order by lease_expires_at limit 1) as label`;

export async function readStuckRuns(db: Queryable, s: SchemaName, options: { now: Date; graceMs: number }): Promise<OverdueSummary> {
  const { rows } = await db.query(stuckRunsSql(s), [options.now, options.graceMs]);
  return summary(rows[0]);
}

/** Params: $1 now, $2 late tolerance (ms). Active schedules whose next slot is older than the tolerance. */
const lateSchedulesSql = (s: SchemaName) => `
  with late as (
    select name, next_run_at from ${s.quoted}.scheduled_jobs
    where status = 'active' and next_run_at < $1::timestamptz - make_interval(secs => $2::double precision / 1000)
  )
  select (select count(*) from late)::integer as count,
         (select min(next_run_at) from late) as oldest,
         (select name from late order by next_run_at limit 1) as label`;

export async function readLateSchedules(db: Queryable, s: SchemaName, options: { now: Date; lateToleranceMs: number }): Promise<OverdueSummary> {
  const { rows } = await db.query(lateSchedulesSql(s), [options.now, options.lateToleranceMs]);
  return summary(rows[0]);
}

/**
 * Params: $1 now, $2 window (ms), $3 attempts above which a delivery counts as failing.
 * Deliveries created within the window that failed for good or keep failing; `label` is the
 * newest one's last error.
 */
const failingDeliveriesSql = (s: SchemaName) => `
  with failing as (
    select channel, last_error, created_at from ${s.quoted}.notification_deliveries
    where created_at > $1::timestamptz - make_interval(secs => $2::double precision / 1000)
      and (status = 'failed' or attempts > $3)
  )
  select (select count(*) from failing)::integer as count,
         (select min(created_at) from failing) as oldest,
         (select channel || coalesce(': ' || last_error, '') from failing order by created_at desc limit 1) as label`;

export async function readFailingDeliveries(db: Queryable, s: SchemaName, options: { now: Date; windowMs: number; maxAttempts: number }): Promise<OverdueSummary> {
  const { rows } = await db.query(failingDeliveriesSql(s), [options.now, options.windowMs, options.maxAttempts]);
  return summary(rows[0]);
}
