/**
 * Retention: which finished runs are due for deletion, and deleting them in small batches.
 *
 * A run is due when all of these hold:
 * - it has finished (completed, cancelled, skipped: older than `completedDays`; failed: older
 *   than `failedDays`, by `finished_at`, or `created_at` for a row that never got one);
 * - it is not among the newest `keepPerSchedule` finished runs of its schedule (runs without a
 *   schedule are judged by age only);
 * - no pending run depends on it or waits for it. The claim treats a missing dependency as
 *   satisfied, so deleting a failed dependency would let its dependent run; such a run is kept
 *   until its dependents have finished. Otherwise a batch's runs are judged one by one.
 * Pending and running runs are never touched. `job_run_logs` rows go with their run (ON DELETE
 * CASCADE), so no log line outlives its run.
 *
 * Strategy: the candidate set ranks finished runs per schedule with a window function, which
 * reads every finished run of the schedules involved; the delete then locks at most `limit`
 * candidates with SKIP LOCKED (rows another transaction holds are left for the next pass) and
 * deletes them in the same short statement, so no transaction holds many locks for long.
 * Every statement takes `$now` as `coalesce($n, now())`: null uses the database clock, a value
 * is the tests' controlled clock.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';
import type { RunStatus } from '../../model.js';

export interface RetentionRules {
  completedDays: number;
  failedDays: number;
  keepPerSchedule: number;
}

/** One run due for deletion (or deleted), as the report counts it. */
export interface PrunedRunRow {
  id: string;
  status: RunStatus;
  scheduledJobId: string | null;
  scheduleName: string | null;
  finishedAt: Date;
}

/**
 * The candidate set, shared by the dry run and the delete.
 * Params: $1 now (nullable), $2 completedDays, $3 failedDays, $4 keepPerSchedule. Locks nothing.
 */
const dueSql = (s: SchemaName) => `
  -- Finished runs, newest first per schedule.
  ranked as (
    select r.id, r.status, r.scheduled_job_id, r.schedule_name,
      coalesce(r.finished_at, r.created_at) as finished_at,
      row_number() over (partition by r.scheduled_job_id order by coalesce(r.finished_at, r.created_at) desc, r.id desc) as newest
    from ${s.quoted}.job_runs r
    where r.status in ('completed', 'failed', 'cancelled', 'skipped')
  ),
  -- Old enough, not among the kept newest, and no pending run needs it.
  due as (
    select k.*
    from ranked k
    where (k.scheduled_job_id is null or k.newest > $4::int)
      and k.finished_at < coalesce($1::timestamptz, now())
        - make_interval(days => case when k.status = 'failed' then $3::int else $2::int end)
      and not exists (
        select 1
        from ${s.quoted}.job_runs p
        where p.status = 'pending'
          and (p.depends_on @> array[k.id] or p.waits_for @> array[k.id]))
  )`;

/** Params: as `dueSql`. Counts the due runs by status and schedule (the dry run's report). */
const countDueSql = (s: SchemaName) => `
  with ${dueSql(s)}
  select status, scheduled_job_id, min(schedule_name) as schedule_name, count(*)::int as count,
    min(finished_at) as oldest_finished_at, max(finished_at) as newest_finished_at
  from due
  group by status, scheduled_job_id`;

/**
 * Params: as `dueSql`, plus $5 limit. Locks (SKIP LOCKED) and deletes at most $5 due runs;
 * their log lines go with them (cascade). Returns the deleted rows.
 */
const deleteDueSql = (s: SchemaName) => `
  with ${dueSql(s)},
  -- A batch of them, skipping rows another transaction holds.
  batch as (
    select r.id
    from ${s.quoted}.job_runs r
    where r.id in (select id from due order by finished_at limit $5::int)
    for update of r skip locked
  )
  delete from ${s.quoted}.job_runs r
  using batch b, due d
  where r.id = b.id
    and d.id = b.id
  returning r.id, r.status, r.scheduled_job_id, r.schedule_name, d.finished_at`;

/** Transaction-scoped: released when the holding transaction ends. Params: $1 lock name. */
const tryLockSql = 'select pg_try_advisory_xact_lock(hashtext($1)) as locked';

interface RawRow {
  id: string;
  status: RunStatus;
  scheduled_job_id: string | null;
  schedule_name: string | null;
  finished_at: Date;
}

const toRow = (row: RawRow): PrunedRunRow => ({
  id: row.id,
  status: row.status,
  scheduledJobId: row.scheduled_job_id,
  scheduleName: row.schedule_name,
  finishedAt: row.finished_at,
});

const ruleParams = (now: Date | null, rules: RetentionRules) => [now, rules.completedDays, rules.failedDays, rules.keepPerSchedule];

/** Due (or deleted) runs of one status and schedule. */
export interface PrunedRunGroup {
  status: RunStatus;
  scheduledJobId: string | null;
  scheduleName: string | null;
  count: number;
  oldestFinishedAt: Date;
  newestFinishedAt: Date;
}

export async function countDueRuns(db: Queryable, s: SchemaName, now: Date | null, rules: RetentionRules): Promise<PrunedRunGroup[]> {
  const { rows } = await db.query<Omit<RawRow, 'id' | 'finished_at'> & { count: number; oldest_finished_at: Date; newest_finished_at: Date }>(countDueSql(s), ruleParams(now, rules));
  return rows.map((row) => ({
    status: row.status,
    scheduledJobId: row.scheduled_job_id,
    scheduleName: row.schedule_name,
    count: row.count,
    oldestFinishedAt: row.oldest_finished_at,
    newestFinishedAt: row.newest_finished_at,
  }));
}

export async function deleteDueRuns(tx: Queryable, s: SchemaName, now: Date | null, rules: RetentionRules & { limit: number }): Promise<PrunedRunRow[]> {
  const { rows } = await tx.query<RawRow>(deleteDueSql(s), [...ruleParams(now, rules), rules.limit]);
  return rows.map(toRow);
}

/** The advisory lock name of this schema's pruner. */
export const retentionLockName = (s: SchemaName) => `hourglass:${s.name}:retention`;

/** Tries the pruner's lock for the current transaction; false when another session holds it. */
export async function tryRetentionLock(tx: Queryable, s: SchemaName): Promise<boolean> {
  const { rows } = await tx.query<{ locked: boolean }>(tryLockSql, [retentionLockName(s)]);
  return rows[0]?.locked === true;
}
