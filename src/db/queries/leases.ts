/**
 * Leases of running runs: renewal by the worker that holds them, recovery by any live
 * process once they lapse, and hand-back at shutdown.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';

/**
 * Params: $1 now (nullable), $2 worker id, $3 lease ms, $4 run ids. Extends the lease of the
 * runs this worker is executing; returns those it still holds, flagging cancellation requests
 * (the fallback when a cancel NOTIFY was missed). Only the runs named are renewed: a run whose
 * claim committed but whose answer was lost (connection dropped) is not being executed, so its
 * lease must lapse and let recovery hand it to someone.
 */
const renewSql = (s: SchemaName) => `
  update ${s.quoted}.job_runs
  set lease_expires_at = coalesce($1::timestamptz, now()) + $3 * interval '1 millisecond'
  where worker_id = $2 and status = 'running' and id = any($4::uuid[])
  returning id, cancel_requested_at is not null as cancel_requested`;

export async function renewLeases(db: Queryable, s: SchemaName, workerId: string, runIds: readonly string[], options: { leaseMs: number; now: Date | null }) {
  if (runIds.length === 0) return [];
  const { rows } = await db.query<{ id: string; cancel_requested: boolean }>(renewSql(s), [options.now, workerId, options.leaseMs, runIds]);
  return rows;
}

/**
 * Params: $1 now (nullable), $2 limit. Runs whose lease lapsed (their worker died or lost the
 * database): back to `pending` when attempts remain (the attempt stays counted), `failed`
 * ("worker lost") when they are used up, `cancelled` when a cancel was requested. Locks with
 * SKIP LOCKED so several recovering processes split the work.
 */
const recoverSql = (s: SchemaName) => `
  with lapsed as (
    select id
    from ${s.quoted}.job_runs
    where status = 'running' and lease_expires_at < coalesce($1::timestamptz, now())
    order by lease_expires_at
    limit $2
    for update skip locked
  )
  update ${s.quoted}.job_runs r
  set status = case
        when r.cancel_requested_at is not null then 'cancelled'
        when r.attempt >= r.max_attempts then 'failed'
        else 'pending' end,
      error_message = case
        when r.cancel_requested_at is not null then 'cancelled (worker lost while cancelling)'
        else 'worker lost: lease expired during attempt ' || r.attempt end,
      finished_at = case
        when r.cancel_requested_at is not null or r.attempt >= r.max_attempts then coalesce($1::timestamptz, now()) end,
      run_after = coalesce($1::timestamptz, now()),
      worker_id = null,
      lease_expires_at = null
  from lapsed
  where r.id = lapsed.id
  returning r.id, r.status, r.job_type, r.scheduled_job_id, r.error_message, r.attempt`;

export interface RecoveredRun {
  id: string;
  status: 'pending' | 'failed' | 'cancelled';
  jobType: string;
  scheduledJobId: string | null;
  errorMessage: string | null;
  attempt: number;
}

export async function recoverLapsedLeases(tx: Queryable, s: SchemaName, now: Date | null, limit = 500): Promise<RecoveredRun[]> {
  const { rows } = await tx.query<{ id: string; status: RecoveredRun['status']; job_type: string; scheduled_job_id: string | null; error_message: string | null; attempt: number }>(
    recoverSql(s),
    [now, limit],
  );
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    jobType: row.job_type,
    scheduledJobId: row.scheduled_job_id,
    errorMessage: row.error_message,
    attempt: row.attempt,
  }));
}

/**
 * Params: $1 run ids, $2 worker id, $3 their attempts. Shutdown hand-back: unfinished runs of
 * this worker go back to `pending` at once, and the interrupted attempt is not counted (it was
 * not the handler's fault). Only the attempt that was interrupted: a newer attempt of the same
 * run (claimed again after its lease lapsed) is left running.
 */
const handBackSql = (s: SchemaName) => `
  update ${s.quoted}.job_runs r
  set status = 'pending', attempt = greatest(r.attempt - 1, 0), worker_id = null, lease_expires_at = null,
      started_at = null, run_after = now()
  from unnest($1::uuid[], $3::int[]) as h(id, attempt)
  where r.id = h.id and r.attempt = h.attempt and r.worker_id = $2 and r.status = 'running'
  returning r.id`;

export async function handBackRuns(db: Queryable, s: SchemaName, runs: ReadonlyArray<{ id: string; attempt: number }>, workerId: string): Promise<string[]> {
  if (runs.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(handBackSql(s), [runs.map((run) => run.id), workerId, runs.map((run) => run.attempt)]);
  return rows.map((row) => row.id);
}
