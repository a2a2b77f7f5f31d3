/**
 * Ending runs: recording an outcome, cascading cancellation to dependents, and keeping the
 * schedule's counters (last status, success/failure counts, consecutive failures and the
 * `pause_after_failures` auto-pause) in the same transaction as the outcome.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';

export interface RunOutcomeRecord {
  id: string;
  workerId: string | null;
  /** The attempt that ended: a later attempt of the run (claimed again after a lapse) is never overwritten. */
  attempt: number;
  status: 'completed' | 'failed' | 'cancelled' | 'pending';
  errorMessage: string | null;
  result: unknown;
  metrics: Record<string, unknown> | null;
  /** For a retry (`pending`): how long after the database's now the next attempt may start. */
  retryDelayMs: number | null;
  /** How long the claimed run waited in its worker's queue before the handler started. */
  queuedMs: number;
}

/**
 * Params: $1 outcomes as JSON, $2 now (nullable). Only rows still `running` under the same
 * worker and attempt are updated: if the lease lapsed and another process (or this worker,
 * as a new attempt) took the run, this outcome is stale and dropped (at-least-once). Locks the updated rows.
 */
const recordOutcomesSql = (s: SchemaName) => `
  update ${s.quoted}.job_runs r
  set status = o.status,
      -- a cancelled run ends with the reason its canceller gave, not the worker's generic one
      error_message = case when o.status = 'cancelled' and r.cancel_requested_at is not null
        then coalesce(r.error_message, o.error_message) else o.error_message end,
      result = o.result,
      metrics = coalesce(o.metrics, r.metrics),
      finished_at = case when o.status = 'pending' then null else coalesce($2::timestamptz, now()) end,
      -- the claim set it; the handler started after its wait in the worker's queue
      started_at = r.started_at + o.queued_ms * interval '1 millisecond',
      run_after = case when o.retry_delay_ms is null then r.run_after
        else coalesce($2::timestamptz, now()) + o.retry_delay_ms * interval '1 millisecond' end,
      worker_id = null,
      lease_expires_at = null
  from jsonb_to_recordset($1::jsonb) as o(
    id uuid, worker_id uuid, attempt int, status text, error_message text, result jsonb, metrics jsonb, retry_delay_ms integer,
    queued_ms integer
  )
  where r.id = o.id
    and r.status = 'running'
    and r.worker_id is not distinct from o.worker_id
    and r.attempt = o.attempt
  -- when a retry may start; nothing for an end (a timestamp fewer to print and parse per run)
  returning r.id, r.status, r.job_type, r.scheduled_job_id, r.error_message,
    case when r.status = 'pending' then r.run_after end as run_after`;

/**
 * `recordOutcomesSql` and, when any outcome was recorded, a NOTIFY ($3 channel, $4 payload) in
 * one statement: a batch that needs nothing else is one round trip, committed on its own.
 */
const recordOutcomesAndNotifySql = (s: SchemaName) => `
  with done as (${recordOutcomesSql(s)}
  ), notified as (
    select pg_notify($3, $4) where exists (select from done)
  )
  select done.* from done, notified`;

export interface FinishedRun {
  id: string;
  status: 'completed' | 'failed' | 'cancelled' | 'pending';
  jobType: string;
  scheduledJobId: string | null;
  errorMessage: string | null;
  /** For a retry: when the next attempt may start (null for an end). */
  runAfter?: Date | null;
}

/** Records outcomes (see `recordOutcomesSql`); with `notify`, also sends it if any was recorded. */
export async function recordOutcomes(
  tx: Queryable,
  s: SchemaName,
  outcomes: readonly RunOutcomeRecord[],
  now: Date | null,
  notify?: { channel: string; payload: string },
): Promise<FinishedRun[]> {
  if (outcomes.length === 0) return [];
  // Null values are left out (the recordset reads a missing key as null): a completion is
  // about 140 bytes instead of 190, to build, send and parse.
  const records = outcomes.map((o) => ({
    id: o.id,
    worker_id: o.workerId ?? undefined,
    attempt: o.attempt,
    status: o.status,
    error_message: o.errorMessage ?? undefined,
    result: o.result ?? undefined,
    metrics: o.metrics ?? undefined,
    retry_delay_ms: o.retryDelayMs ?? undefined,
    queued_ms: o.queuedMs,
  }));
  const { rows } = await tx.query<{ id: string; status: FinishedRun['status']; job_type: string; scheduled_job_id: string | null; error_message: string | null; run_after: Date | null }>(
    notify ? recordOutcomesAndNotifySql(s) : recordOutcomesSql(s),
    [JSON.stringify(records), now, ...(notify ? [notify.channel, notify.payload] : [])],
  );
  return rows.map((row) => ({ id: row.id, status: row.status, jobType: row.job_type, scheduledJobId: row.scheduled_job_id, errorMessage: row.error_message, runAfter: row.run_after }));
}

/**
 * Params: $1 run ids that ended failed or cancelled, $2 now (nullable). Cancels every pending
 * run that depends on them, transitively, naming the dependency that ended first in line.
 */
const cancelDependentsSql = (s: SchemaName) => `
  with recursive doomed(id, cause) as (
    -- direct dependents of the runs that ended
    select r.id, d.job_type || case when d.status = 'failed' then ' failed' else ' was cancelled' end
    from ${s.quoted}.job_runs d
    join ${s.quoted}.job_runs r on r.depends_on @> array[d.id] and r.status = 'pending' and r.depends_on <> '{}'
    where d.id = any($1::uuid[])
    union
    -- their dependents in turn
    select r.id, p.job_type || ' was cancelled'
    from doomed
    join ${s.quoted}.job_runs p on p.id = doomed.id
    join ${s.quoted}.job_runs r on r.depends_on @> array[p.id] and r.status = 'pending' and r.depends_on <> '{}'
  )
  update ${s.quoted}.job_runs r
  set status = 'cancelled', error_message = 'dependency ' || doomed.cause, finished_at = coalesce($2::timestamptz, now())
  from doomed
  where r.id = doomed.id and r.status = 'pending'
  returning r.id, r.scheduled_job_id`;

export async function cancelDependents(tx: Queryable, s: SchemaName, endedRunIds: readonly string[], now: Date | null): Promise<string[]> {
  if (endedRunIds.length === 0) return [];
  const { rows } = await tx.query<{ id: string }>(cancelDependentsSql(s), [endedRunIds, now]);
  return rows.map((row) => row.id);
}

/**
 * Params: $1 finished runs as JSON ({scheduled_job_id, status, error_message, ord}, `ord` the
 * finishing order), $2 now (nullable). Updates the counters of each schedule once, with its
 * runs aggregated, and pauses schedules that reached `pause_after_failures`.
 */
const updateScheduleCountersSql = (s: SchemaName) => `
  with f as (
    select x.scheduled_job_id,
      count(*) filter (where x.status = 'completed')::int as completed,
      count(*) filter (where x.status = 'failed')::int as failed,
      (array_agg(x.status order by x.ord desc))[1] as last_status,
      (array_agg(x.error_message order by x.ord desc))[1] as last_error,
      -- failures after the last success in this group of outcomes
      count(*) filter (where x.status = 'failed' and x.ord > coalesce(
        (select max(y.ord) from jsonb_to_recordset($1::jsonb) as y(scheduled_job_id uuid, status text, ord integer)
         where y.scheduled_job_id = x.scheduled_job_id and y.status = 'completed'), 0))::int as trailing_failures,
      bool_or(x.status = 'completed') as any_success
    from jsonb_to_recordset($1::jsonb) as x(scheduled_job_id uuid, status text, error_message text, ord integer)
    where x.status in ('completed', 'failed')
    group by x.scheduled_job_id
  ), c as (
    select j.id, n.consecutive,
      coalesce(j.status = 'active' and j.pause_after_failures <= n.consecutive, false) as pause_now
    from ${s.quoted}.scheduled_jobs j
    join f on f.scheduled_job_id = j.id
    cross join lateral (
      select case when f.any_success then f.trailing_failures else j.consecutive_failures + f.trailing_failures end as consecutive
    ) n
  )
  update ${s.quoted}.scheduled_jobs j
  set success_count = j.success_count + f.completed,
      failure_count = j.failure_count + f.failed,
      consecutive_failures = c.consecutive,
      last_status = f.last_status,
      last_error = case when f.last_status = 'failed' then f.last_error else j.last_error end,
      status = case when c.pause_now then 'paused' else j.status end,
      pause_note = case when c.pause_now then 'paused automatically after ' || c.consecutive || ' consecutive failures' else j.pause_note end,
      version = j.version + c.pause_now::int,
      updated_at = case when c.pause_now then coalesce($2::timestamptz, now()) else j.updated_at end
  from f, c
  where j.id = f.scheduled_job_id and c.id = j.id
  returning j.id, c.pause_now as auto_paused`;

export async function updateScheduleCounters(tx: Queryable, s: SchemaName, finished: readonly FinishedRun[], now: Date | null) {
  const relevant = finished.filter((run) => run.scheduledJobId && (run.status === 'completed' || run.status === 'failed'));
  if (relevant.length === 0) return [];
  const records = relevant.map((run, index) => ({ scheduled_job_id: run.scheduledJobId, status: run.status, error_message: run.errorMessage, ord: index + 1 }));
  const { rows } = await tx.query<{ id: string; auto_paused: boolean }>(updateScheduleCountersSql(s), [JSON.stringify(records), now]);
  return rows;
}
