/**
 * The notifier's statements: facts that rules turn into messages (failed runs, missed slots,
 * open/closed incidents), and the `notification_deliveries` queue the delivery loop drains.
 * Every time-sensitive statement takes `$now` (null = the database's `now()`).
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';
import { camelizeRows } from './rows.js';

/** One fact as every rule reports it (examples in a message). */
export interface NotificationFact {
  subject: string;
  scheduledJobId: string | null;
  runId: string | null;
  title: string;
  scheduleKey: string | null;
  tenantId: string | null;
  jobType: string | null;
  detail: string | null;
  count: number | null;
  at: Date | null;
  /** Facts matching in this pass (the same on every row). */
  total: number;
}

export interface FactFilter {
  tenantId?: string | undefined;
  jobType?: string | undefined;
  scheduleKey?: string | undefined;
}

/** Rows listed as examples in one message. */
export const EXAMPLE_LIMIT = 5;

function mapFacts(rows: readonly Record<string, unknown>[]): NotificationFact[] {
  return camelizeRows<NotificationFact>(rows).map((fact) => ({ ...fact, total: Number(fact.total), count: fact.count === null ? null : Number(fact.count) }));
}

function filterParams(filter: FactFilter | undefined): (string | null)[] {
  return [filter?.tenantId ?? null, filter?.jobType ?? null, filter?.scheduleKey ?? null];
}

// ---------------------------------------------------------------------------------------------
// Serialising passes and watermarks

/**
 * Params: $1 lock key. Takes a transaction-level advisory lock if free: one detection pass at a
 * time across the cluster (another process skips its pass instead of waiting).
 */
const tryLockSql = 'select pg_try_advisory_xact_lock(hashtext($1)) as locked';

export async function tryLockNotifier(tx: Queryable, s: SchemaName): Promise<boolean> {
  const { rows } = await tx.query<{ locked: boolean }>(tryLockSql, [`hourglass:notifier:${s.name}`]);
  return rows[0]?.locked === true;
}

/** Params: $1 rule, $2 now. A new rule starts at now: history before it is not reported. */
const initWatermarkSql = (s: SchemaName) => `
  insert into ${s.quoted}.notification_watermarks (rule, watermark) values ($1, coalesce($2::timestamptz, now()))
  on conflict (rule) do nothing`;
/** Params: $1 rule. */
const readWatermarkSql = (s: SchemaName) => `select watermark from ${s.quoted}.notification_watermarks where rule = $1`;
/** Params: $1 rule, $2 watermark. */
const writeWatermarkSql = (s: SchemaName) => `update ${s.quoted}.notification_watermarks set watermark = greatest(watermark, $2::timestamptz) where rule = $1`;

export async function readWatermark(tx: Queryable, s: SchemaName, rule: string, now: Date | null): Promise<Date> {
  await tx.query(initWatermarkSql(s), [rule, now]);
  const { rows } = await tx.query<{ watermark: Date }>(readWatermarkSql(s), [rule]);
  return new Date(rows[0]!.watermark);
}

export async function writeWatermark(tx: Queryable, s: SchemaName, rule: string, watermark: Date): Promise<void> {
  await tx.query(writeWatermarkSql(s), [rule, watermark]);
}

/** Params: $1 now, $2 settle ms. The instant up to which facts are considered settled. */
export async function settledUntil(tx: Queryable, now: Date | null, settleMs: number): Promise<{ now: Date; until: Date }> {
  const { rows } = await tx.query<{ now: Date; until: Date }>(
    `select coalesce($1::timestamptz, now()) as now, coalesce($1::timestamptz, now()) - $2::int * interval '1 millisecond' as until`,
    [now, settleMs],
  );
  return { now: new Date(rows[0]!.now), until: new Date(rows[0]!.until) };
}

// ---------------------------------------------------------------------------------------------
// Time-ordered facts (watermark rules)

/**
 * Params: $1 after, $2 until, $3 tenant, $4 job type, $5 schedule key. Runs that failed for
 * good (status `failed` is final: retries go back to `pending`) in (after, until], the first
 * few as examples, with the total. Reads only.
 */
const failedRunsSql = (s: SchemaName) => `
  select r.id::text as subject, r.scheduled_job_id, r.id as run_id,
         coalesce(r.schedule_name, j.name, r.job_type) as title, j.key as schedule_key, r.tenant_id, r.job_type,
         r.error_message as detail, r.attempt as count, r.finished_at as at, count(*) over () as total
  from ${s.quoted}.job_runs r
  left join ${s.quoted}.scheduled_jobs j on j.id = r.scheduled_job_id
  where r.status = 'failed' and r.finished_at > $1 and r.finished_at <= $2
    and ($3::text is null or r.tenant_id = $3)
    and ($4::text is null or r.job_type = $4)
    and ($5::text is null or j.key = $5)
  order by r.finished_at, r.id
  limit ${EXAMPLE_LIMIT}`;

/** Params: as above. Schedules that missed slots in (after, until]. Reads only. */
const missedSlotsSql = (s: SchemaName) => `
  select j.id::text as subject, j.id as scheduled_job_id, null::uuid as run_id, j.name as title, j.key as schedule_key,
         j.tenant_id, j.job_type, null::text as detail, j.missed_count as count, j.last_missed_at as at, count(*) over () as total
  from ${s.quoted}.scheduled_jobs j
  where j.last_missed_at > $1 and j.last_missed_at <= $2
    and ($3::text is null or j.tenant_id = $3)
    and ($4::text is null or j.job_type = $4 or $4 = any(j.job_types))
    and ($5::text is null or j.key = $5)
  order by j.last_missed_at, j.id
  limit ${EXAMPLE_LIMIT}`;

export type WatermarkEvent = 'run_failed' | 'slot_missed';

export async function findTimedFacts(tx: Queryable, s: SchemaName, event: WatermarkEvent, after: Date, until: Date, filter?: FactFilter): Promise<NotificationFact[]> {
  const sql = event === 'run_failed' ? failedRunsSql(s) : missedSlotsSql(s);
  const { rows } = await tx.query(sql, [after, until, ...filterParams(filter)]);
  return mapFacts(rows);
}

// ---------------------------------------------------------------------------------------------
// Conditions (incident rules): subjects currently in trouble

export type ConditionEvent = 'consecutive_failures' | 'schedule_auto_paused' | 'run_late' | 'run_too_long' | 'worker_silent';

// `$2` (now) is typed here because schedule conditions do not otherwise read it.
const scheduleFilter = `($2::timestamptz is null or $2::timestamptz is not null)
    and ($4::text is null or j.tenant_id = $4)
    and ($5::text is null or j.job_type = $5 or $5 = any(j.job_types))
    and ($6::text is null or j.key = $6)`;
const runFilter = `($4::text is null or r.tenant_id = $4)
    and ($5::text is null or r.job_type = $5)
    and ($6::text is null or j.key = $6)`;

/**
 * The subjects of one condition. Params everywhere: $1 rule (unused here), $2 now, $3 threshold
 * (failures or ms), $4 tenant, $5 job type, $6 schedule key.
 */
function conditionSql(s: SchemaName, event: ConditionEvent): string {
  const q = s.quoted;
  const scheduleColumns = `j.id::text as subject, j.id as scheduled_job_id, null::uuid as run_id, j.name as title, j.key as schedule_key, j.tenant_id, j.job_type`;
  const runColumns = `r.id::text as subject, r.scheduled_job_id, r.id as run_id, coalesce(r.schedule_name, j.name, r.job_type) as title, j.key as schedule_key, r.tenant_id, r.job_type`;
  const threshold = `coalesce($2::timestamptz, now()) - $3::int * interval '1 millisecond'`;
  switch (event) {
    case 'consecutive_failures':
      return `select ${scheduleColumns}, j.last_error as detail, j.consecutive_failures as count, j.last_run_at as at
        from ${q}.scheduled_jobs j where j.consecutive_failures >= $3 and ${scheduleFilter}`;
    case 'schedule_auto_paused':
      return `select ${scheduleColumns}, j.pause_note as detail, j.consecutive_failures as count, j.updated_at as at
        from ${q}.scheduled_jobs j where j.status = 'paused' and j.pause_note like 'paused automatically%' and ($3::int is null or true) and ${scheduleFilter}`;
    case 'run_late':
      return `select ${runColumns}, null::text as detail, null::int as count, r.run_after as at
        from ${q}.job_runs r left join ${q}.scheduled_jobs j on j.id = r.scheduled_job_id
        where r.status = 'pending' and r.run_after < ${threshold} and ${runFilter}`;
    case 'run_too_long':
      return `select ${runColumns}, null::text as detail, null::int as count, r.started_at as at
        from ${q}.job_runs r left join ${q}.scheduled_jobs j on j.id = r.scheduled_job_id
        where r.status = 'running' and r.started_at < ${threshold} and ${runFilter}`;
    case 'worker_silent':
      return `select w.id::text as subject, null::uuid as scheduled_job_id, null::uuid as run_id,
          w.hostname || ' (pid ' || w.pid || ', ' || w.role || ')' as title, null::text as schedule_key, null::text as tenant_id, null::text as job_type,
          null::text as detail, null::int as count, w.heartbeat_at as at
        from ${q}.workers w
        where w.stopped_at is null and w.heartbeat_at < ${threshold} and coalesce($4::text, $5::text, $6::text, '') is not null`;
  }
}

/**
 * Opens an incident for every subject now in the condition without an open one; returns the
 * newly opened (first few, with the total). Inserts into `notification_incidents`
 * (primary-key conflicts ignored: at most one open incident per rule and subject).
 */
const openIncidentsSql = (s: SchemaName, event: ConditionEvent) => `
  with cur as (${conditionSql(s, event)}),
  opened as (
    insert into ${s.quoted}.notification_incidents (rule, subject, opened_at)
    select $1, cur.subject, coalesce($2::timestamptz, now()) from cur
    on conflict (rule, subject) do nothing
    returning subject
  )
  select cur.*, count(*) over () as total from cur join opened using (subject)
  order by cur.at nulls last, cur.subject
  limit ${EXAMPLE_LIMIT}`;

/**
 * Closes the rule's open incidents whose subject left the condition (or no longer exists);
 * returns them described from their schedule or worker row. Deletes from
 * `notification_incidents`.
 */
const closeIncidentsSql = (s: SchemaName, event: ConditionEvent) => `
  with cur as (${conditionSql(s, event)}),
  closed as (
    delete from ${s.quoted}.notification_incidents i
    where i.rule = $1 and not exists (select 1 from cur where cur.subject = i.subject)
    returning i.subject
  )
  select closed.subject,
         j.id as scheduled_job_id, null::uuid as run_id,
         coalesce(j.name, w.hostname || ' (pid ' || w.pid || ', ' || w.role || ')', closed.subject) as title,
         j.key as schedule_key, j.tenant_id, j.job_type, j.last_status as detail, null::int as count,
         coalesce(j.last_run_at, w.heartbeat_at) as at, count(*) over () as total
  from closed
  left join ${s.quoted}.scheduled_jobs j on j.id::text = closed.subject
  left join ${s.quoted}.workers w on w.id::text = closed.subject
  order by closed.subject
  limit ${EXAMPLE_LIMIT}`;

export async function openIncidents(tx: Queryable, s: SchemaName, event: ConditionEvent, rule: string, now: Date | null, threshold: number, filter?: FactFilter): Promise<NotificationFact[]> {
  const { rows } = await tx.query(openIncidentsSql(s, event), [rule, now, threshold, ...filterParams(filter)]);
  return mapFacts(rows);
}

export async function closeIncidents(tx: Queryable, s: SchemaName, event: ConditionEvent, rule: string, now: Date | null, threshold: number, filter?: FactFilter): Promise<NotificationFact[]> {
  const { rows } = await tx.query(closeIncidentsSql(s, event), [rule, now, threshold, ...filterParams(filter)]);
  return mapFacts(rows);
}

// ---------------------------------------------------------------------------------------------
// The delivery queue

export interface DeliveryRecord {
  id: string;
  rule: string;
  channel: string;
  runId: string | null;
  scheduledJobId: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  payload: Record<string, unknown>;
  incidentKey: string | null;
  nextAttemptAt: Date;
  createdAt: Date;
  deliveredAt: Date | null;
  /** Exact `created_at` (microseconds) for list cursors; only set by `listDeliveries`. */
  cursorAt?: string;
}

export interface NewDelivery {
  rule: string;
  channel: string;
  incidentKey: string;
  runId: string | null;
  scheduledJobId: string | null;
  payload: unknown;
}

/**
 * Params: $1 rule, $2 channel, $3 incident key, $4 run id, $5 schedule id, $6 payload, $7 now.
 * One row per incident and channel: a second insert of the same incident is ignored.
 */
const insertDeliverySql = (s: SchemaName) => `
  insert into ${s.quoted}.notification_deliveries (rule, channel, incident_key, run_id, scheduled_job_id, payload, next_attempt_at, created_at)
  values ($1, $2, $3, $4, $5, $6::jsonb, coalesce($7::timestamptz, now()), coalesce($7::timestamptz, now()))
  on conflict (incident_key, channel) where incident_key is not null do nothing`;

export async function insertDelivery(tx: Queryable, s: SchemaName, delivery: NewDelivery, now: Date | null): Promise<boolean> {
  const result = await tx.query(insertDeliverySql(s), [delivery.rule, delivery.channel, delivery.incidentKey, delivery.runId, delivery.scheduledJobId, JSON.stringify(delivery.payload), now]);
  return result.rowCount > 0;
}

/**
 * Params: $1 now, $2 limit, $3 lease ms. Claims due pending deliveries: locks them with
 * `for update skip locked` (another process takes others), counts the attempt and pushes
 * `next_attempt_at` past the lease, so a process that dies mid-send leaves them to be retried.
 */
const claimDueSql = (s: SchemaName) => `
  update ${s.quoted}.notification_deliveries d
  set attempts = d.attempts + 1, next_attempt_at = coalesce($1::timestamptz, now()) + $3::int * interval '1 millisecond'
  from (
    select id from ${s.quoted}.notification_deliveries
    where status = 'pending' and next_attempt_at <= coalesce($1::timestamptz, now())
    order by next_attempt_at, id
    limit $2
    for update skip locked
  ) due
  where d.id = due.id
  returning d.*`;

export async function claimDueDeliveries(db: Queryable, s: SchemaName, now: Date | null, limit: number, leaseMs: number): Promise<DeliveryRecord[]> {
  const { rows } = await db.query(claimDueSql(s), [now, limit, leaseMs]);
  return camelizeRows<DeliveryRecord>(rows);
}

/** Params: $1 id, $2 now. */
const markDeliveredSql = (s: SchemaName) => `
  update ${s.quoted}.notification_deliveries
  set status = 'delivered', delivered_at = coalesce($2::timestamptz, now()), last_error = null
  where id = $1`;

export async function markDelivered(db: Queryable, s: SchemaName, id: string, now: Date | null): Promise<void> {
  await db.query(markDeliveredSql(s), [id, now]);
}

/** Params: $1 id, $2 error, $3 now, $4 retry delay ms or null (null = give up: `failed`). */
const markAttemptFailedSql = (s: SchemaName) => `
  update ${s.quoted}.notification_deliveries
  set last_error = $2,
      status = case when $4::int is null then 'failed' else 'pending' end,
      next_attempt_at = case when $4::int is null then next_attempt_at
                             else coalesce($3::timestamptz, now()) + $4::int * interval '1 millisecond' end
  where id = $1`;

export async function markAttemptFailed(db: Queryable, s: SchemaName, id: string, error: string, now: Date | null, retryInMs: number | null): Promise<void> {
  await db.query(markAttemptFailedSql(s), [id, error.slice(0, 2000), now, retryInMs]);
}

/** Params: $1 limit, $2 before created_at, $3 before id, $4 status. Recent first. */
const listDeliveriesSql = (s: SchemaName) => `
  select *, created_at::text as cursor_at from ${s.quoted}.notification_deliveries
  where ($2::timestamptz is null or (created_at, id) < ($2::timestamptz, $3::uuid))
    and ($4::text is null or status = $4)
  order by created_at desc, id desc
  limit $1`;

export async function listDeliveries(
  db: Queryable,
  s: SchemaName,
  options: { limit: number; before?: { createdAt: string; id: string } | undefined; status?: string | undefined },
): Promise<DeliveryRecord[]> {
  const { rows } = await db.query(listDeliveriesSql(s), [options.limit, options.before?.createdAt ?? null, options.before?.id ?? null, options.status ?? null]);
  return camelizeRows<DeliveryRecord>(rows);
}
