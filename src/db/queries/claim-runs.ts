/**
 * The worker's hot path: claim pending runs.
 *
 * One statement: a CTE picks ready runs in claim order (priority, then `run_after`, then
 * creation) with `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint rows without
 * waiting on each other, and the outer UPDATE marks them running with a lease, counting the
 * attempt. A run is ready when its `run_after` has passed, every `depends_on` run completed and
 * every `waits_for` run finished.
 *
 * Job types with a cluster-wide `concurrency` are claimed separately by `claimCappedRuns`,
 * under a transaction-scoped advisory lock per job type: the count of running runs and the
 * claim are then one serialised decision, so the cap holds however many workers race.
 *
 * Strategies considered: a two-step select-then-update costs a round trip more per claim and
 * holds the locks across it; `SKIP LOCKED` on a CTE plus `UPDATE ... FROM` is the shape
 * graphile-worker and pg-boss converged on.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';
import type { JobRun } from '../../model.js';
import { camelizeRows } from './rows.js';

const readyCondition = (s: SchemaName) => `
    r.status = 'pending'
    and r.run_after <= coalesce($1::timestamptz, now())
    and (cardinality(r.depends_on) = 0 or not exists (
      select 1 from ${s.quoted}.job_runs d where d.id = any(r.depends_on) and d.status <> 'completed'))
    and (cardinality(r.waits_for) = 0 or not exists (
      select 1 from ${s.quoted}.job_runs w where w.id = any(r.waits_for) and w.status in ('pending', 'running')))`;

/**
 * Params: $1 now (nullable), $2 worker id, $3 lease ms, $4 limit, $5 job types this worker
 * handles. Locks the claimed rows (SKIP LOCKED: rows another worker is claiming are passed over).
 */
const claimSql = (s: SchemaName) => `
  with ready as (
    select r.id
    from ${s.quoted}.job_runs r
    where ${readyCondition(s)}
      and r.job_type = any($5::text[])
    order by r.priority desc, r.run_after, r.created_at
    limit $4
    for update skip locked
  )
  update ${s.quoted}.job_runs r
  set status = 'running',
      worker_id = $2,
      attempt = r.attempt + 1,
      started_at = coalesce($1::timestamptz, now()),
      lease_expires_at = coalesce($1::timestamptz, now()) + $3 * interval '1 millisecond',
      error_message = null
  from ready
  where r.id = ready.id
  returning r.*`;

export interface ClaimOptions {
  workerId: string;
  leaseMs: number;
  limit: number;
  jobTypes: readonly string[];
  now: Date | null;
}

export async function claimRuns(db: Queryable, s: SchemaName, options: ClaimOptions): Promise<JobRun[]> {
  if (options.limit <= 0 || options.jobTypes.length === 0) return [];
  const { rows } = await db.query(claimSql(s), [options.now, options.workerId, options.leaseMs, options.limit, options.jobTypes]);
  return camelizeRows<JobRun>(rows);
}

/**
 * Params: $1 now (nullable), $2 worker id, $3 lease ms, $4 limit, $5 job type, $6 cap.
 * Must run in a transaction after `lockJobTypeSql`: claims at most cap − running.
 */
const claimCappedSql = (s: SchemaName) => `
  with ready as (
    select r.id
    from ${s.quoted}.job_runs r
    where ${readyCondition(s)}
      and r.job_type = $5
    order by r.priority desc, r.run_after, r.created_at
    limit greatest(0, least($4::int, $6::int - (
      select count(*) from ${s.quoted}.job_runs x where x.job_type = $5 and x.status = 'running')::int))
    for update skip locked
  )
  update ${s.quoted}.job_runs r
  set status = 'running',
      worker_id = $2,
      attempt = r.attempt + 1,
      started_at = coalesce($1::timestamptz, now()),
      lease_expires_at = coalesce($1::timestamptz, now()) + $3 * interval '1 millisecond',
      error_message = null
  from ready
  where r.id = ready.id
  returning r.*`;

/** Params: $1 lock key text. Serialises capped claims of one job type until commit. */
const lockJobTypeSql = 'select pg_advisory_xact_lock(hashtext($1))';

export async function claimCappedRuns(
  tx: Queryable,
  s: SchemaName,
  options: Omit<ClaimOptions, 'jobTypes'> & { jobType: string; cap: number },
): Promise<JobRun[]> {
  if (options.limit <= 0) return [];
  await tx.query(lockJobTypeSql, [`hourglass:${s.name}:job_type:${options.jobType}`]);
  const { rows } = await tx.query(claimCappedSql(s), [options.now, options.workerId, options.leaseMs, options.limit, options.jobType, options.cap]);
  return camelizeRows<JobRun>(rows);
}
