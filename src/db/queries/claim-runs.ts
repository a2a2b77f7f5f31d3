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
 * holds the locks across it; `SKIP LOCKED` on a CTE feeding the UPDATE is the shape
 * graphile-worker and pg-boss converged on.
 *
 * Plan notes (measured with 20,000 pending runs, 200 claimed per statement, PostgreSQL 15):
 * - "No dependencies" is written `depends_on = '{}'`, which the planner estimates from the
 *   column's statistics. Written `cardinality(depends_on) = 0`, it was guessed at 0.5 % per
 *   condition, so the planner expected one ready run, scanned all 20,000 and sorted them
 *   (14 ms per claim) instead of walking `job_runs_claim_idx` in claim order and stopping at
 *   the limit (0.3 ms).
 * - The UPDATE takes its rows as `id = any(array(...))`: a join with the CTE was planned as a
 *   hash join over a sequential scan of the whole table once the CTE was expected to return
 *   200 rows (17 ms), the array as a primary-key lookup (1 ms).
 * - Rows come back unordered from the UPDATE; `claimRuns` puts them back in claim order.
 *
 * Claims commit without waiting for the WAL flush (`synchronous_commit` off for their own
 * transaction), which takes about 0.7 ms off the path from enqueue to handler start on this
 * machine's disk. It is safe because a claim only matters once the run's outcome is written,
 * and that write commits synchronously, flushing the claim before it. A server crash can lose
 * only claims whose outcome was not written yet: their runs are `pending` again and run again,
 * as after any crash (at-least-once), and an outcome a surviving worker sends for such a run is
 * dropped as stale.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';
import type { JobRun } from '../../model.js';

const readyCondition = (s: SchemaName) => `
    r.status = 'pending'
    and r.run_after <= coalesce($1::timestamptz, now())
    and (r.depends_on = '{}' or not exists (
      select 1 from ${s.quoted}.job_runs d where d.id = any(r.depends_on) and d.status <> 'completed'))
    and (r.waits_for = '{}' or not exists (
      select 1 from ${s.quoted}.job_runs w where w.id = any(r.waits_for) and w.status in ('pending', 'running')))`;

/**
 * Every column of a run, named as `JobRun` names them: the claimed rows come back ready to use.
 * Converting the keys in JavaScript cost about 7 µs of CPU per claimed run.
 */
const runColumns = `
  r.id, r.scheduled_job_id as "scheduledJobId", r.schedule_name as "scheduleName", r.batch_id as "batchId",
  r.tenant_id as "tenantId", r.job_type as "jobType", r.trigger, r.status, r.priority, r.payload,
  r.scheduled_for as "scheduledFor", r.run_after as "runAfter", r.attempt, r.max_attempts as "maxAttempts",
  r.timeout_seconds as "timeoutSeconds", r.depends_on as "dependsOn", r.waits_for as "waitsFor",
  r.retry_of as "retryOf", r.worker_id as "workerId", r.lease_expires_at as "leaseExpiresAt",
  r.cancel_requested_at as "cancelRequestedAt", r.started_at as "startedAt", r.finished_at as "finishedAt",
  r.error_message as "errorMessage", r.metrics, r.result, r.metadata, r.created_by as "createdBy",
  r.created_at as "createdAt"`;

/** The update shared by every claim: running, leased to worker $2 for $3 ms, attempt counted. */
const markClaimed = (s: SchemaName) => `update ${s.quoted}.job_runs r
  set status = 'running',
      worker_id = $2,
      attempt = r.attempt + 1,
      started_at = coalesce($1::timestamptz, now()),
      lease_expires_at = coalesce($1::timestamptz, now()) + $3 * interval '1 millisecond',
      error_message = null
  where r.id = any(array(select id from ready))`;

/**
 * Params: $1 now (nullable), $2 worker id, $3 lease ms, $4 limit, $5 job types this worker
 * handles. Locks the claimed rows (SKIP LOCKED: rows another worker is claiming are passed over).
 */
const claimSql = (s: SchemaName) => `
  with relaxed as (
    -- commit without waiting for the WAL flush (see the module comment)
    select set_config('synchronous_commit', 'off', true)
  ), ready as (
    select r.id
    from ${s.quoted}.job_runs r
    where ${readyCondition(s)}
      and r.job_type = any($5::text[])
      and exists (select from relaxed)
    order by r.priority desc, r.run_after, r.created_at
    limit $4
    for update skip locked
  )
  ${markClaimed(s)}
  returning ${runColumns}`;

export interface ClaimOptions {
  workerId: string;
  leaseMs: number;
  limit: number;
  jobTypes: readonly string[];
  now: Date | null;
}

export async function claimRuns(db: Queryable, s: SchemaName, options: ClaimOptions): Promise<JobRun[]> {
  if (options.limit <= 0 || options.jobTypes.length === 0) return [];
  const { rows } = await db.query<JobRun>(claimSql(s), [options.now, options.workerId, options.leaseMs, options.limit, options.jobTypes]);
  return inClaimOrder(rows);
}

/** Priority first, then `run_after`, then creation: the order the claim picked them in. */
function inClaimOrder(runs: JobRun[]): JobRun[] {
  return runs.sort(
    (a, b) => b.priority - a.priority || a.runAfter.getTime() - b.runAfter.getTime() || a.createdAt.getTime() - b.createdAt.getTime(),
  );
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
  returning ${runColumns}`;

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
  const { rows } = await tx.query<JobRun>(claimCappedSql(s), [options.now, options.workerId, options.leaseMs, limit, options.jobType, options.cap, options.tenantCap]);
  return inClaimOrder(rows);
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
  returning ${runColumns}`;

export async function claimTenantCappedRuns(tx: Queryable, s: SchemaName, options: ClaimOptions & { tenantCap: number }): Promise<JobRun[]> {
  if (options.limit <= 0 || options.jobTypes.length === 0) return [];
  await tx.query(lockSql, [tenantLockKey(s)]);
  const { rows } = await tx.query<JobRun>(claimTenantCappedSql(s), [options.now, options.workerId, options.leaseMs, options.limit, options.jobTypes, options.tenantCap]);
  return inClaimOrder(rows);
}
