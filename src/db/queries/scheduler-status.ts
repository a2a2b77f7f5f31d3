/**
 * The cluster at a glance for `GET /scheduler/status`: schedules by status, late schedules,
 * runs waiting and running, and the next due slot. Reads only the small `scheduled_jobs`
 * table and the partial indexes of pending and running runs.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';

export interface SchedulerCounts {
  active: number;
  paused: number;
  inactive: number;
  late: number;
  nextRunAt: Date | null;
  pending: number;
  ready: number;
  running: number;
}

/** Params: $1 now, $2 late tolerance (ms), $3 scope to tenant?, $4 tenant. */
const countsSql = (s: SchemaName) => `
  with schedules as (
    select status, next_run_at from ${s.quoted}.scheduled_jobs
    where not $3::boolean or tenant_id = $4
  ), runs as (
    select status, run_after from ${s.quoted}.job_runs
    where status in ('pending', 'running') and (not $3::boolean or tenant_id = $4)
  )
  select
    (select count(*) from schedules where status = 'active')::integer as active,
    (select count(*) from schedules where status = 'paused')::integer as paused,
    (select count(*) from schedules where status = 'inactive')::integer as inactive,
    (select count(*) from schedules
      where status = 'active' and next_run_at < $1::timestamptz - make_interval(secs => $2::double precision / 1000))::integer as late,
    (select min(next_run_at) from schedules where status = 'active') as next_run_at,
    (select count(*) from runs where status = 'pending')::integer as pending,
    (select count(*) from runs where status = 'pending' and run_after <= $1)::integer as ready,
    (select count(*) from runs where status = 'running')::integer as running`;

export async function readSchedulerCounts(db: Queryable, s: SchemaName, options: { now: Date; lateToleranceMs: number; tenantId?: string | null }): Promise<SchedulerCounts> {
  const scoped = options.tenantId !== undefined;
  const { rows } = await db.query(countsSql(s), [options.now, options.lateToleranceMs, scoped, options.tenantId ?? null]);
  const row = rows[0]!;
  return {
    active: row.active as number,
    paused: row.paused as number,
    inactive: row.inactive as number,
    late: row.late as number,
    nextRunAt: (row.next_run_at as Date | null) ?? null,
    pending: row.pending as number,
    ready: row.ready as number,
    running: row.running as number,
  };
}
