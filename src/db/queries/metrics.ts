/**
 * What the Prometheus scrape reads from the database (`api/metrics.ts`): the state of the
 * cluster right now, in one round trip.
 *
 * Only cheap reads: runs are counted through the partial indexes on pending
 * (`job_runs_claim_idx`) and running (`job_runs_lease_idx`) runs, each branch filtering on one
 * status so the planner can use them; finished runs, which grow without bound, are never
 * scanned. `scheduled_jobs` and `workers` are small and counted whole. Nothing is locked.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';

/**
 * Params: $1 now (nullable: the database clock), $2 live window ms (a worker whose heartbeat is
 * older is not counted live; compared with the real `now()`, which heartbeats write),
 * $3 late tolerance ms.
 *
 * One row per series: `metric` names it, `label` holds its status or role, `job_type` its job
 * type where it has one.
 */
const snapshotSql = (s: SchemaName) => `
  -- The instant the queue and lateness are measured against.
  with clock as (
    select coalesce($1::timestamptz, now()) as now
  ),
  -- Pending runs a worker could claim now.
  ready as (
    select count(*) as depth, min(r.run_after) as oldest
    from ${s.quoted}.job_runs r, clock c
    where r.status = 'pending'
      and r.run_after <= c.now
  )
  select 'runs' as metric, 'pending' as label, r.job_type, count(*)::float8 as value
  from ${s.quoted}.job_runs r
  where r.status = 'pending'
  group by r.job_type
  union all
  select 'runs', 'running', r.job_type, count(*)::float8
  from ${s.quoted}.job_runs r
  where r.status = 'running'
  group by r.job_type
  union all
  select 'queue_depth', null, null, ready.depth::float8
  from ready
  union all
  select 'queue_oldest_seconds', null, null, greatest(coalesce(extract(epoch from (c.now - ready.oldest)), 0), 0)::float8
  from ready, clock c
  union all
  select 'workers_live', w.role, null, count(*)::float8
  from ${s.quoted}.workers w
  where w.stopped_at is null
    and w.heartbeat_at >= now() - $2 * interval '1 millisecond'
  group by w.role
  union all
  select 'schedules', sj.status, null, count(*)::float8
  from ${s.quoted}.scheduled_jobs sj
  group by sj.status
  union all
  select 'schedules_late', null, null, count(*)::float8
  from ${s.quoted}.scheduled_jobs sj, clock c
  where sj.status = 'active'
    and sj.next_run_at < c.now - $3 * interval '1 millisecond'`;

export interface MetricsSnapshotOptions {
  /** The instant to measure against; null: the database clock. */
  now: Date | null;
  /** Workers whose heartbeat is older than this are not live. */
  liveWindowMs: number;
  /** Active schedules whose next slot is older than this are late. */
  lateToleranceMs: number;
}

export interface MetricsSnapshot {
  /** Pending and running runs by job type (only non-zero counts). */
  runs: Array<{ status: 'pending' | 'running'; jobType: string; count: number }>;
  queueDepth: number;
  queueOldestSeconds: number;
  workersLive: Array<{ role: string; count: number }>;
  schedules: Array<{ status: string; count: number }>;
  schedulesLate: number;
}

interface SnapshotRow {
  metric: string;
  label: string | null;
  job_type: string | null;
  value: number;
}

export async function readMetricsSnapshot(db: Queryable, s: SchemaName, options: MetricsSnapshotOptions): Promise<MetricsSnapshot> {
  const { rows } = await db.query<SnapshotRow>(snapshotSql(s), [options.now, options.liveWindowMs, options.lateToleranceMs]);
  const snapshot: MetricsSnapshot = { runs: [], queueDepth: 0, queueOldestSeconds: 0, workersLive: [], schedules: [], schedulesLate: 0 };
  for (const row of rows) {
    const value = Number(row.value);
    if (row.metric === 'runs') snapshot.runs.push({ status: row.label as 'pending' | 'running', jobType: row.job_type ?? '', count: value });
    else if (row.metric === 'queue_depth') snapshot.queueDepth = value;
    else if (row.metric === 'queue_oldest_seconds') snapshot.queueOldestSeconds = value;
    else if (row.metric === 'workers_live') snapshot.workersLive.push({ role: row.label ?? '', count: value });
    else if (row.metric === 'schedules') snapshot.schedules.push({ status: row.label ?? '', count: value });
    else if (row.metric === 'schedules_late') snapshot.schedulesLate = value;
  }
  return snapshot;
}
