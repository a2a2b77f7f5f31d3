/**
 * The scheduler's hot path: lock due schedules, insert their runs, advance `next_run_at`.
 *
 * All statements here run inside the tick's one transaction (`scheduler/tick.ts`):
 * 1. `lockDueSchedules` answers the tick's `now` and takes active schedules whose
 *    `next_run_at` has passed with `FOR UPDATE SKIP LOCKED`: two schedulers never fire the
 *    same schedule at once, and a crashed scheduler's locks vanish with its connection. No lock
 *    columns are needed. It also names paused schedules whose pause has ended: `resumePauses`
 *    re-activates those (rarely; then the lock runs again to take the due ones among them).
 *    Each due schedule with an overlap policy comes with its pending and running runs.
 * 2. `writeFirings` inserts every run of the tick, advances every schedule and notifies workers
 *    in one statement. Slot-fired runs hit the unique slot index (`job_runs_slot_uidx`) if a
 *    slot was somehow fired before: such a row is silently dropped, the second guard against
 *    duplicates.
 *
 * Strategy notes, for a tick of 10,000 due schedules (of 100,000) on 2 cores:
 * - One row-at-a-time insert per run cost a round trip each; with `json_to_recordset` the tick
 *   is one write statement whatever its size, about 55–70 ms per 1,000 runs in the database.
 * - The lock reads only the columns planning needs, already under their TypeScript names:
 *   `select *` and renaming the keys took 324 ms, the narrowed select 130–160 ms.
 * - Runs and advances go as `json`, not `jsonb`: 71 ms against 94 ms for the advances (the
 *   text is parsed once either way; `jsonb` builds a binary document first).
 * Every statement takes `$now` as `coalesce($n, now())`: null uses the database clock (the
 * one all processes share), a value is the tests' controlled clock.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';
import { runsNotifications } from '../../runtime.js';
import type { ActiveRun, PlannedRun } from '../../scheduler/plan-firing.js';
import type { ScheduledJob } from '../../model.js';

/** What the tick reads of a due schedule: its timing, target and run settings, not its history. */
export type DueSchedule = Pick<
  ScheduledJob,
  | 'id' | 'name' | 'tenantId' | 'executionMode' | 'jobType' | 'jobGroup' | 'jobTypes' | 'payload'
  | 'scheduleType' | 'cronExpression' | 'timezone' | 'intervalSeconds' | 'runAt' | 'nextRunAt' | 'dstGap' | 'dstOverlap'
  | 'exclusions' | 'missedRunPolicy' | 'catchUpWindowSeconds' | 'overlapPolicy' | 'maxAttempts' | 'timeoutSeconds'
  | 'priority' | 'jitterSeconds'
> & {
  /** The schedule's pending and running runs, read after its lock; null under overlap policy `allow`. */
  activeRuns: ActiveRun[] | null;
};

/**
 * Params: $1 now (nullable), $2 limit. One statement answers what a tick starts from: the tick's
 * `now`, the paused schedules whose `paused_until` has passed (`expired`), and the due active
 * schedules, locked with SKIP LOCKED until commit; always at least one row (without a schedule
 * when none is due). Both locks skip rows another transaction holds: a schedule being changed
 * right now is resumed or fired by the next tick. Nothing is updated, so a tick with nothing to
 * resume runs no UPDATE (the live-events statement trigger would run on every tick, 0.1–0.3 ms),
 * and one round trip fewer is about 0.6 ms off every slot's lateness. For the same reason each
 * due schedule comes with its active runs (the overlap policy's input), read through
 * `job_runs_active_idx` once the schedule is locked.
 *
 * Only the `DueSchedule` columns are read, under their TypeScript names: at 10,000 due
 * schedules, `select *` and renaming the keys spent more time in the process (transfer, eight
 * timestamps and three JSON documents per row) than the database spent locking the rows.
 */
const lockDueSql = (s: SchemaName) => `
  with expired as (
    select array(
      select id
      from ${s.quoted}.scheduled_jobs
      where status = 'paused'
        and paused_until <= coalesce($1::timestamptz, now())
      for update skip locked
    ) as ids
  )
  select coalesce($1::timestamptz, now()) as "tickNow", expired.ids as expired, due.*,
    case when due."overlapPolicy" <> 'allow' then (
      select coalesce(json_agg(json_build_object('id', r.id, 'status', r.status)), '[]')
      from ${s.quoted}.job_runs r
      where r.scheduled_job_id = due.id
        and r.scheduled_job_id is not null -- job_runs_active_idx
        and r.status in ('pending', 'running')
    ) end as "activeRuns"
  from expired
  left join (
    select id, name, tenant_id as "tenantId", execution_mode as "executionMode", job_type as "jobType",
      job_group as "jobGroup", job_types as "jobTypes", payload, schedule_type as "scheduleType",
      cron_expression as "cronExpression", timezone, interval_seconds as "intervalSeconds", run_at as "runAt",
      next_run_at as "nextRunAt", dst_gap as "dstGap", dst_overlap as "dstOverlap", exclusions,
      missed_run_policy as "missedRunPolicy", catch_up_window_seconds as "catchUpWindowSeconds",
      overlap_policy as "overlapPolicy", max_attempts as "maxAttempts", timeout_seconds as "timeoutSeconds",
      priority, jitter_seconds as "jitterSeconds"
    from ${s.quoted}.scheduled_jobs
    where status = 'active'
      and next_run_at <= coalesce($1::timestamptz, now())
    order by next_run_at
    limit $2
    for update skip locked
  ) due on true`;

export interface DueSchedules {
  /** The tick's instant: the database clock, or the caller's. */
  now: Date;
  /** Paused schedules (locked) whose pause has ended. */
  expired: string[];
  due: DueSchedule[];
}

export async function lockDueSchedules(tx: Queryable, s: SchemaName, now: Date | null, limit: number): Promise<DueSchedules> {
  const { rows } = await tx.query<DueSchedule & { tickNow: Date; expired: string[] }>(lockDueSql(s), [now, limit]);
  const { tickNow, expired } = rows[0]!;
  // Each row also carries `tickNow` and `expired`; planning never reads them.
  return { now: tickNow, expired, due: rows[0]!.id === null ? [] : rows };
}

/**
 * Params: $1 now (nullable), $2 ids of expired pauses (locked by `lockDueSql`). Re-activates
 * them; `next_run_at` is kept, so the missed-run policy decides about slots that fell in the
 * pause.
 */
const resumeSql = (s: SchemaName) => `
  update ${s.quoted}.scheduled_jobs
  set status = 'active', paused_until = null, pause_note = null, updated_at = coalesce($1::timestamptz, now()), version = version + 1
  where id = any($2::uuid[])
  returning id`;

export async function resumePauses(tx: Queryable, s: SchemaName, now: Date | null, expired: readonly string[]): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(resumeSql(s), [now, expired]);
  return rows.map((row) => row.id);
}

/** Params: $1 schedule ids. Reads (without locking) the pending and running runs of those schedules ("run now"). */
const activeRunsSql = (s: SchemaName) => `
  select id, scheduled_job_id, status
  from ${s.quoted}.job_runs
  where scheduled_job_id = any($1::uuid[])
    and scheduled_job_id is not null -- job_runs_active_idx
    and status in ('pending', 'running')`;

export async function selectActiveRuns(tx: Queryable, s: SchemaName, scheduleIds: readonly string[]) {
  if (scheduleIds.length === 0) return [];
  const { rows } = await tx.query<{ id: string; scheduled_job_id: string; status: 'pending' | 'running' }>(activeRunsSql(s), [scheduleIds]);
  return rows;
}

/**
 * Params: $1 runs as a JSON array (see `PlannedRun`), $2 now (nullable), $3 schedule updates
 * as a JSON array (see `ScheduleAdvance`), $4 NOTIFY channel, $5 how many runs $1 holds, $6 the
 * lease in ms of runs handed to a worker (`worker_id` set: inserted `running`, attempt 1), $7
 * the NOTIFY payloads for the claimable runs (`runsNotifications`). One
 * statement: inserts the runs (skipped rows are written finished; slot conflicts are dropped),
 * advances the schedules and, when claimable runs were inserted, notifies workers (delivered at
 * commit). Returns the inserted ids, or null when every run was inserted (10,000 ids cost
 * 20–50 ms to send and parse).
 */
const writeFiringsSql = (s: SchemaName) => `
  with inserted as (
    insert into ${s.quoted}.job_runs (
      id, scheduled_job_id, schedule_name, batch_id, tenant_id, job_type, trigger, status, priority,
      payload, scheduled_for, run_after, max_attempts, timeout_seconds, depends_on, waits_for,
      error_message, finished_at, created_by, created_at, retry_of, metadata,
      worker_id, attempt, started_at, lease_expires_at
    )
    select
      r.id, r.scheduled_job_id, r.schedule_name, r.batch_id, r.tenant_id, r.job_type, r.trigger,
      case when r.worker_id is null then r.status else 'running' end, r.priority,
      coalesce(r.payload, '{}'), r.scheduled_for, r.run_after, r.max_attempts, r.timeout_seconds,
      coalesce(r.depends_on, '{}'), coalesce(r.waits_for, '{}'), r.error_message,
      case when r.status = 'skipped' then coalesce($2::timestamptz, now()) end, r.created_by, coalesce($2::timestamptz, now()), r.retry_of,
      coalesce(r.metadata, '{}'),
      r.worker_id, case when r.worker_id is null then 0 else 1 end,
      case when r.worker_id is not null then coalesce($2::timestamptz, now()) end,
      case when r.worker_id is not null then coalesce($2::timestamptz, now()) + $6::int * interval '1 millisecond' end
    from json_to_recordset($1::json) as r(
      id uuid, scheduled_job_id uuid, schedule_name text, batch_id uuid, tenant_id text, job_type text, trigger text,
      status text, priority integer, payload jsonb, scheduled_for timestamptz, run_after timestamptz,
      max_attempts integer, timeout_seconds integer, depends_on uuid[], waits_for uuid[], error_message text, created_by text,
      retry_of uuid, metadata jsonb, worker_id uuid
    )
    on conflict (scheduled_job_id, scheduled_for, job_type) where trigger in ('cron', 'catch_up') do nothing
    returning id, status
  ), advanced as (
    -- the schedules' next slot and counters
    update ${s.quoted}.scheduled_jobs j
    set next_run_at = u.next_run_at,
        status = coalesce(u.status, j.status),
        run_count = j.run_count + u.fired,
        skipped_count = j.skipped_count + u.skipped,
        missed_count = j.missed_count + u.missed,
        last_missed_at = case when u.missed > 0 then coalesce($2::timestamptz, now()) else j.last_missed_at end,
        suppressed_count = j.suppressed_count + u.suppressed,
        last_run_at = coalesce(u.last_run_at, j.last_run_at),
        last_run_id = coalesce(u.last_run_id, j.last_run_id),
        updated_at = case when u.status is null then j.updated_at else coalesce($2::timestamptz, now()) end
    from json_to_recordset($3::json) as u(
      id uuid, next_run_at timestamptz, status text, fired integer, skipped integer, missed integer,
      suppressed integer, last_run_at timestamptz, last_run_id uuid
    )
    where j.id = u.id
    returning j.id
  ), notified as (
    -- wake workers when something claimable was inserted ($7: \`runsNotifications\`)
    select pg_notify($4, payload) from unnest($7::text[]) as payload
    where exists (select 1 from inserted where status = 'pending')
  )
  select
    -- the inserted ids only when a conflict dropped some runs: usually every run is inserted
    case when (select count(*) from inserted) < $5::int
      then coalesce((select array_agg(id) from inserted), '{}')
    end as inserted,
    (select count(*) from advanced)::int as advanced,
    (select count(*) from notified)::int as notified`;

type IsoText = (instant: Date | null | undefined) => string | undefined;

/**
 * ISO text of instants, remembered for one write: a tick's runs repeat a few instants (the runs
 * of schedules that share a timing share their slot, `run_after` and next slot), and each record
 * carries up to two runs' and two advances' worth of them.
 */
function isoTextOfRepeatedInstants(): IsoText {
  const texts = new Map<number, string>();
  return (instant) => {
    if (!instant) return undefined;
    const ms = instant.getTime();
    let text = texts.get(ms);
    if (text === undefined) {
      if (texts.size >= 256) texts.clear();
      text = instant.toISOString();
      texts.set(ms, text);
    }
    return text;
  };
}

/**
 * A run as one record of `writeFiringsSql`'s JSON. Null and empty values are left out: the
 * recordset reads a missing key as null and the SQL defaults the empty ones, and PostgreSQL
 * parses 340 instead of 480 bytes per run (6 instead of 9 ms per 500 runs).
 */
function toRunRecord(run: PlannedRun, workerId: string | undefined, iso: IsoText) {
  return {
    id: run.id,
    scheduled_job_id: run.scheduledJobId ?? undefined,
    schedule_name: run.scheduleName ?? undefined,
    batch_id: run.batchId ?? undefined,
    tenant_id: run.tenantId ?? undefined,
    job_type: run.jobType,
    trigger: run.trigger,
    status: run.status,
    priority: run.priority,
    payload: run.payload,
    scheduled_for: iso(run.scheduledFor),
    run_after: iso(run.runAfter),
    max_attempts: run.maxAttempts,
    timeout_seconds: run.timeoutSeconds ?? undefined,
    depends_on: run.dependsOn.length > 0 ? run.dependsOn : undefined,
    waits_for: run.waitsFor.length > 0 ? run.waitsFor : undefined,
    error_message: run.errorMessage ?? undefined,
    created_by: run.createdBy ?? undefined,
    retry_of: run.retryOf ?? undefined,
    metadata: run.metadata ?? undefined,
    worker_id: workerId,
  };
}

/** Runs handed to this process's worker at insert: `running` under its lease (see `writeFiringsSql`). */
export interface HandOff {
  workerId: string;
  leaseMs: number;
  runIds: ReadonlySet<string>;
}

export interface ScheduleAdvance {
  id: string;
  nextRunAt: Date | null;
  /** New status (a fired `once` schedule becomes inactive), or null to keep it. */
  status: 'inactive' | null;
  fired: number;
  skipped: number;
  missed: number;
  suppressed: number;
  lastRunAt: Date | null;
  lastRunId: string | null;
}

/** An advance as one record of `writeFiringsSql`'s JSON; null values are left out, as for runs. */
function toAdvanceRecord(u: ScheduleAdvance, iso: IsoText) {
  return {
    id: u.id,
    next_run_at: iso(u.nextRunAt),
    status: u.status ?? undefined,
    fired: u.fired,
    skipped: u.skipped,
    missed: u.missed,
    suppressed: u.suppressed,
    last_run_at: iso(u.lastRunAt),
    last_run_id: u.lastRunId ?? undefined,
  };
}

/** Inserts runs, advances schedules and notifies workers in one statement; returns the inserted run ids. */
export async function writeFirings(
  tx: Queryable,
  s: SchemaName,
  firings: { runs: readonly PlannedRun[]; advances: readonly ScheduleAdvance[]; handOff?: HandOff | null },
  now: Date | null,
): Promise<Set<string>> {
  if (firings.runs.length === 0 && firings.advances.length === 0) return new Set();
  const { handOff } = firings;
  const leasedTo = (run: PlannedRun) => (handOff?.runIds.has(run.id) ? handOff.workerId : undefined);
  const claimable = firings.runs.filter((run) => run.status === 'pending' && !leasedTo(run));
  // A jittered run starts after its slot: idle workers wake at its instant.
  const notifications = runsNotifications(claimable.map((run) => run.runAfter), now);
  const iso = isoTextOfRepeatedInstants();
  const { rows } = await tx.query<{ inserted: string[] | null }>(writeFiringsSql(s), [
    JSON.stringify(firings.runs.map((run) => toRunRecord(run, leasedTo(run), iso))),
    now,
    JSON.stringify(firings.advances.map((advance) => toAdvanceRecord(advance, iso))),
    s.channel,
    firings.runs.length,
    handOff?.leaseMs ?? 0,
    notifications,
  ]);
  return new Set(rows[0]!.inserted ?? firings.runs.map((run) => run.id));
}

/** Inserts runs (enqueue, retry, manual triggers) and notifies workers; returns the inserted ids. */
export function insertRuns(tx: Queryable, s: SchemaName, runs: readonly PlannedRun[], now: Date | null): Promise<Set<string>> {
  return writeFirings(tx, s, { runs, advances: [] }, now);
}

/**
 * Params: $1 now (nullable). How long from the database's now until the earliest instant the
 * scheduler must wake for, in milliseconds to the microsecond (timestamps in JavaScript stop at
 * the millisecond, which made the wake-up up to 1 ms late), and that instant rounded up to the
 * millisecond; nulls when nothing is scheduled.
 */
const wakeSql = (s: SchemaName) => `
  select extract(epoch from due - coalesce($1::timestamptz, now()))::float8 * 1000 as due_in_ms,
    ceil(extract(epoch from due) * 1000)::float8 as due_at_ms
  from (select least(
      (select min(next_run_at) from ${s.quoted}.scheduled_jobs where status = 'active'),
      (select min(paused_until) from ${s.quoted}.scheduled_jobs where status = 'paused' and paused_until is not null)
    ) as due) next`;

export async function readNextDue(db: Queryable, s: SchemaName, now: Date | null): Promise<{ dueInMs: number | null; dueAt: Date | null }> {
  const { rows } = await db.query<{ due_in_ms: number | null; due_at_ms: number | null }>(wakeSql(s), [now]);
  const { due_in_ms: dueInMs, due_at_ms: dueAtMs } = rows[0]!;
  return { dueInMs, dueAt: dueAtMs === null ? null : new Date(dueAtMs) };
}

/** Params: $1 id, $2 fired, $3 skipped, $4 now, $5 last run id. Counters of a manual trigger or backfill. */
const recordFiringSql = (s: SchemaName) => `
  update ${s.quoted}.scheduled_jobs
  set run_count = run_count + $2,
      skipped_count = skipped_count + $3,
      last_run_at = case when $2 > 0 then $4::timestamptz else last_run_at end,
      last_run_id = coalesce($5::uuid, last_run_id)
  where id = $1`;

export async function recordFiring(tx: Queryable, s: SchemaName, id: string, counts: { fired: number; skipped: number; now: Date; lastRunId: string | null }): Promise<void> {
  await tx.query(recordFiringSql(s), [id, counts.fired, counts.skipped, counts.now, counts.lastRunId]);
}
