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
 * A per-tenant cap (`worker.tenantConcurrency`) works the same way with one lock for all
 * tenants (`claimTenantCappedRuns`): it serialises claims cluster-wide, which is the price of
 * an exact cap, so it is off unless configured.
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

/** The update shared by every claim: running, leased to worker $2 for $3 ms, attempt counted. */
const markClaimed = (s: SchemaName) => `update ${s.quoted}.job_runs r
  set status = 'running',
      worker_id = $2,
      attempt = r.attempt + 1,
      started_at = coalesce($1::timestamptz, now()),
      lease_expires_at = coalesce($1::timestamptz, now()) + $3 * interval '1 millisecond',
      error_message = null
  from ready
  where r.id = ready.id`;

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
  ${markClaimed(s)}
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
 * Params: $1 now (nullable), $2 worker id, $3 lease ms, $4 limit, $5 job type, $6 cap,
 * $7 tenant cap (nullable). Must run in a transaction after `lockSql` for the job type (and
 * for tenants, when $7 is set; then $4 must be 1 for the tenant count to stay exact): claims
 * at most cap − running.
 */
const claimCappedSql = (s: SchemaName) => `
  with ready as (
    select r.id
    from ${s.quoted}.job_runs r
    where ${readyCondition(s)}
      and r.job_type = $5
      and ($7::int is null or r.tenant_id is null or (
        select count(*) from ${s.quoted}.job_runs t where t.tenant_id = r.tenant_id and t.status = 'running') < $7)
    order by r.priority desc, r.run_after, r.created_at
    limit greatest(0, least($4::int, $6::int - (
      select count(*) from ${s.quoted}.job_runs x where x.job_type = $5 and x.status = 'running')::int))
    for update skip locked
  )
  ${markClaimed(s)}
  returning r.*`;

/** Params: $1 lock key text. Serialises capped claims (of one job type, or of all tenants) until commit. */
const lockSql = 'select pg_advisory_xact_lock(hashtext($1))';

const tenantLockKey = (s: SchemaName) => `hourglass:${s.name}:tenants`;

export async function claimCappedRuns(
  tx: Queryable,
  s: SchemaName,
  options: Omit<ClaimOptions, 'jobTypes'> & { jobType: string; cap: number; tenantCap: number | null },
): Promise<JobRun[]> {
  if (options.limit <= 0) return [];
  // Tenants first, then the job type: every claimer takes the locks in the same order.
  if (options.tenantCap !== null) await tx.query(lockSql, [tenantLockKey(s)]);
  await tx.query(lockSql, [`hourglass:${s.name}:job_type:${options.jobType}`]);
  const limit = options.tenantCap !== null ? 1 : options.limit;
  const { rows } = await tx.query(claimCappedSql(s), [options.now, options.workerId, options.leaseMs, limit, options.jobType, options.cap, options.tenantCap]);
  return camelizeRows<JobRun>(rows);
}

/**
 * Params: $1 now (nullable), $2 worker id, $3 lease ms, $4 limit, $5 job types, $6 tenant cap.
 * Must run after the tenants lock. Ranks ready runs per tenant so one claim never takes more
 * than a tenant's remaining room. No SKIP LOCKED here (window functions cannot lock rows);
 * the lock serialises claimers and the update re-checks `pending`.
 */
const claimTenantCappedSql = (s: SchemaName) => `
  with running as (
    -- runs per tenant now
    select tenant_id, count(*)::int as n
    from ${s.quoted}.job_runs
    where status = 'running' and tenant_id is not null
    group by tenant_id
  ), ranked as (
    -- ready runs, numbered within their tenant in claim order
    select r.id, r.tenant_id, r.priority, r.run_after, r.created_at,
      row_number() over (partition by r.tenant_id order by r.priority desc, r.run_after, r.created_at) as rank
    from ${s.quoted}.job_runs r
    where ${readyCondition(s)}
      and r.job_type = any($5::text[])
  ), ready as (
    -- the runs that fit their tenant's room
    select k.id
    from ranked k
    left join running x on x.tenant_id = k.tenant_id
    where k.tenant_id is null or k.rank + coalesce(x.n, 0) <= $6
    order by k.priority desc, k.run_after, k.created_at
    limit $4
  )
  ${markClaimed(s)} and r.status = 'pending'
  returning r.*`;

export async function claimTenantCappedRuns(tx: Queryable, s: SchemaName, options: ClaimOptions & { tenantCap: number }): Promise<JobRun[]> {
  if (options.limit <= 0 || options.jobTypes.length === 0) return [];
  await tx.query(lockSql, [tenantLockKey(s)]);
  const { rows } = await tx.query(claimTenantCappedSql(s), [options.now, options.workerId, options.leaseMs, options.limit, options.jobTypes, options.tenantCap]);
  return camelizeRows<JobRun>(rows);
}
