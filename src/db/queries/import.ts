/**
 * `scheduled_jobs` and `job_runs` statements of the importers (`import/apply.ts`,
 * `import/legacy/apply-run-plan.ts`): the lookup by origin, an insert that keeps a given id (export
 * documents), the run counters a legacy system kept (not among `writableColumns`, which only the
 * scheduler and workers otherwise change), and imported run history.
 *
 * Imports serialise on a transaction-level advisory lock per schema: without a unique index on
 * `(source, source_ref)`, two imports of the same source running together would both create.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';
import type { ScheduledJob } from '../../model.js';
import { camelizeRow } from './rows.js';
import { writableColumns, type ScheduleColumns } from './scheduled-jobs.js';

/** Params: $1 lock name. Held until the transaction ends. */
const lockSql = 'select pg_advisory_xact_lock(hashtext($1))';

export async function lockImports(db: Queryable, s: SchemaName): Promise<void> {
  await db.query(lockSql, [`hourglass:${s.name}:import`]);
}

/** Params: $1 source, $2 source_ref. Locks the row it returns (the oldest, should there be several). */
const findByOriginSql = (s: SchemaName) => `
  select * from ${s.quoted}.scheduled_jobs
  where source = $1 and source_ref = $2
  order by created_at, id
  limit 1
  for update`;

export async function findScheduleByOrigin(db: Queryable, s: SchemaName, source: string, sourceRef: string): Promise<ScheduledJob | null> {
  const { rows } = await db.query(findByOriginSql(s), [source, sourceRef]);
  return rows[0] ? camelizeRow<ScheduledJob>(rows[0]) : null;
}

/** Params: $1 id. Locks the row. */
const findByIdSql = (s: SchemaName) => `select * from ${s.quoted}.scheduled_jobs where id = $1::uuid for update`;

export async function findScheduleById(db: Queryable, s: SchemaName, id: string): Promise<ScheduledJob | null> {
  const { rows } = await db.query(findByIdSql(s), [id]);
  return rows[0] ? camelizeRow<ScheduledJob>(rows[0]) : null;
}

const jsonColumns = new Set(['payload', 'metadata', 'exclusions']);

/**
 * Inserts a schedule with the given id (`$1`); the other parameters are the columns named in
 * `writableColumns`, in the order of `values`. Column names never come from input.
 */
export async function insertScheduleWithId(db: Queryable, s: SchemaName, id: string, values: ScheduleColumns): Promise<ScheduledJob> {
  const entries = Object.entries(values)
    .filter(([property, value]) => value !== undefined && property in writableColumns)
    .map(([property, value]) => {
      const column = writableColumns[property as keyof typeof writableColumns];
      return [column, jsonColumns.has(column) && value !== null ? JSON.stringify(value) : value] as const;
    });
  const sql = `insert into ${s.quoted}.scheduled_jobs (id, ${entries.map(([column]) => column).join(', ')})
    values ($1, ${entries.map((_, index) => `$${index + 2}`).join(', ')})
    returning *`;
  const { rows } = await db.query(sql, [id, ...entries.map(([, value]) => value)]);
  return camelizeRow<ScheduledJob>(rows[0]!);
}

export interface CounterValues {
  runCount?: number;
  successCount?: number;
  failureCount?: number;
  consecutiveFailures?: number;
  lastStatus?: string | null;
  lastError?: string | null;
  lastRunAt?: Date | null;
}

/**
 * Params: $1 id; $2-$8 run_count, success_count, failure_count, consecutive_failures,
 * last_status, last_error, last_run_at, each with a flag ($9-$15) saying whether to set it (so
 * a counter the source lacks keeps its value, and a null the source has is written).
 * Does not bump `version`: it runs right after the insert or update that did.
 */
const writeCountersSql = (s: SchemaName) => `
  update ${s.quoted}.scheduled_jobs
  set run_count = case when $9 then $2::int else run_count end,
      success_count = case when $10 then $3::int else success_count end,
      failure_count = case when $11 then $4::int else failure_count end,
      consecutive_failures = case when $12 then $5::int else consecutive_failures end,
      last_status = case when $13 then $6::text else last_status end,
      last_error = case when $14 then $7::text else last_error end,
      last_run_at = case when $15 then $8::timestamptz else last_run_at end
  where id = $1
  returning *`;

const counterOrder = ['runCount', 'successCount', 'failureCount', 'consecutiveFailures', 'lastStatus', 'lastError', 'lastRunAt'] as const;

export async function writeScheduleCounters(db: Queryable, s: SchemaName, id: string, counters: CounterValues): Promise<ScheduledJob> {
  const values = counterOrder.map((name) => counters[name] ?? null);
  const flags = counterOrder.map((name) => counters[name] !== undefined);
  const { rows } = await db.query(writeCountersSql(s), [id, ...values, ...flags]);
  return camelizeRow<ScheduledJob>(rows[0]!);
}

export interface ImportedRunValues {
  id: string;
  scheduledJobId: string;
  scheduleName: string;
  tenantId: string | null;
  jobType: string;
  status: string;
  payload: Record<string, unknown>;
  startedAt: Date | null;
  finishedAt: Date | null;
  errorMessage: string | null;
  metrics: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdBy: string;
}

/**
 * Params: $1 id, $2 scheduled_job_id, $3 schedule_name, $4 tenant, $5 job type, $6 status,
 * $7 payload, $8 started_at, $9 finished_at, $10 error, $11 metrics, $12 metadata, $13 created_by.
 * Trigger `cron`, one attempt, no `scheduled_for` (the legacy slot is unknown, and the slot index
 * must never refuse history). An id already present is left alone: importing twice adds nothing.
 */
const insertRunSql = (s: SchemaName) => `
  insert into ${s.quoted}.job_runs
    (id, scheduled_job_id, schedule_name, tenant_id, job_type, trigger, status, payload, run_after,
     attempt, max_attempts, started_at, finished_at, error_message, metrics, metadata, created_by, created_at)
  values ($1, $2, $3, $4, $5, 'cron', $6, $7, coalesce($8, $9, now()),
     1, 1, $8, $9, $10, $11, $12, $13, coalesce($8, $9, now()))
  on conflict (id) do nothing
  returning id`;

/** Returns whether the run was inserted (false: it was imported before). */
export async function insertImportedRun(db: Queryable, s: SchemaName, run: ImportedRunValues): Promise<boolean> {
  const { rows } = await db.query(insertRunSql(s), [
    run.id,
    run.scheduledJobId,
    run.scheduleName,
    run.tenantId,
    run.jobType,
    run.status,
    JSON.stringify(run.payload),
    run.startedAt,
    run.finishedAt,
    run.errorMessage,
    JSON.stringify(run.metrics),
    JSON.stringify(run.metadata),
    run.createdBy,
  ]);
  return rows.length > 0;
}
