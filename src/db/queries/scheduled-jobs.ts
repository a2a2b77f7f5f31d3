/**
 * `scheduled_jobs` reads and writes outside the scheduler's hot path: create, update with an
 * optimistic version check, lookups by id or key, filtered lists, delete.
 *
 * Writes take only the columns named in `writableColumns`; values are always parameters and
 * column names come from that list, never from input.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';
import type { ScheduledJob } from '../../model.js';
import { camelizeRow, camelizeRows } from './rows.js';
import { isUuid } from '../../util/ids.js';

/** Columns a create or update may set (camelCase property → column). */
export const writableColumns = {
  key: 'key',
  name: 'name',
  description: 'description',
  tenantId: 'tenant_id',
  source: 'source',
  sourceRef: 'source_ref',
  executionMode: 'execution_mode',
  jobType: 'job_type',
  jobGroup: 'job_group',
  jobTypes: 'job_types',
  payload: 'payload',
  metadata: 'metadata',
  scheduleType: 'schedule_type',
  cronExpression: 'cron_expression',
  timezone: 'timezone',
  intervalSeconds: 'interval_seconds',
  runAt: 'run_at',
  status: 'status',
  pausedUntil: 'paused_until',
  pauseNote: 'pause_note',
  missedRunPolicy: 'missed_run_policy',
  catchUpWindowSeconds: 'catch_up_window_seconds',
  overlapPolicy: 'overlap_policy',
  dstGap: 'dst_gap',
  dstOverlap: 'dst_overlap',
  exclusions: 'exclusions',
  pauseAfterFailures: 'pause_after_failures',
  maxAttempts: 'max_attempts',
  timeoutSeconds: 'timeout_seconds',
  priority: 'priority',
  jitterSeconds: 'jitter_seconds',
  nextRunAt: 'next_run_at',
  consecutiveFailures: 'consecutive_failures',
  createdBy: 'created_by',
  updatedBy: 'updated_by',
} as const satisfies Partial<Record<keyof ScheduledJob, string>>;

export type ScheduleColumns = { [K in keyof typeof writableColumns]?: ScheduledJob[K] };

const jsonColumns = new Set(['payload', 'metadata', 'exclusions']);

function toParam(column: string, value: unknown): unknown {
  return jsonColumns.has(column) && value !== null && value !== undefined ? JSON.stringify(value) : value;
}

function columnsOf(values: ScheduleColumns): Array<[string, unknown]> {
  return Object.entries(values)
    .filter(([property, value]) => value !== undefined && property in writableColumns)
    .map(([property, value]) => {
      const column = writableColumns[property as keyof typeof writableColumns];
      return [column, toParam(column, value)];
    });
}

export async function insertSchedule(db: Queryable, s: SchemaName, values: ScheduleColumns): Promise<ScheduledJob> {
  const entries = columnsOf(values);
  const sql = `insert into ${s.quoted}.scheduled_jobs (${entries.map(([column]) => column).join(', ')})
    values (${entries.map((_, index) => `$${index + 1}`).join(', ')})
    returning *`;
  const { rows } = await db.query(sql, entries.map(([, value]) => value));
  return camelizeRow<ScheduledJob>(rows[0]!);
}

/**
 * Updates the schedule if its version is still `expectedVersion` (or unconditionally when
 * null), bumping the version. Returns null when the row is gone or the version moved on.
 */
export async function updateSchedule(
  db: Queryable,
  s: SchemaName,
  id: string,
  values: ScheduleColumns,
  expectedVersion: number | null,
): Promise<ScheduledJob | null> {
  const entries = columnsOf(values);
  const assignments = entries.map(([column], index) => `${column} = $${index + 3}`);
  const sql = `update ${s.quoted}.scheduled_jobs
    set ${[...assignments, 'version = version + 1', 'updated_at = now()'].join(', ')}
    where id = $1 and ($2::int is null or version = $2)
    returning *`;
  const { rows } = await db.query(sql, [id, expectedVersion, ...entries.map(([, value]) => value)]);
  return rows[0] ? camelizeRow<ScheduledJob>(rows[0]) : null;
}

/** Params: $1 key, $2 the same text when it is a uuid (else null). Both lookups use an index. */
const findSql = (s: SchemaName, lock: boolean) => `
  select * from ${s.quoted}.scheduled_jobs
  where id = $2::uuid or key = $1
  ${lock ? 'for update' : ''}`;

export async function findSchedule(db: Queryable, s: SchemaName, idOrKey: string, lock = false): Promise<ScheduledJob | null> {
  const { rows } = await db.query(findSql(s, lock), [idOrKey, isUuid(idOrKey) ? idOrKey : null]);
  return rows[0] ? camelizeRow<ScheduledJob>(rows[0]) : null;
}

export interface ScheduleFilter {
  status?: string;
  tenantId?: string | null;
  source?: string;
  jobType?: string;
  search?: string;
  limit: number;
  /** Keyset cursor: rows after (name, id). */
  after?: { name: string; id: string };
}

/** Params: see `ScheduleFilter`; null parameters do not filter. Ordered by name, then id. */
const listSql = (s: SchemaName) => `
  select * from ${s.quoted}.scheduled_jobs
  where ($1::text is null or status = $1)
    and ($2::boolean is false or tenant_id is not distinct from $3)
    and ($4::text is null or source = $4)
    and ($5::text is null or job_type = $5 or $5 = any(job_types))
    -- plain substring search: % and _ in the search text are just characters
    and ($6::text is null or strpos(lower(name), lower($6)) > 0 or strpos(lower(key), lower($6)) > 0)
    and ($7::text is null or (name, id::text) > ($7, $8::text))
  order by name, id
  limit $9`;

export async function listSchedules(db: Queryable, s: SchemaName, filter: ScheduleFilter): Promise<ScheduledJob[]> {
  const { rows } = await db.query(listSql(s), [
    filter.status ?? null,
    filter.tenantId !== undefined,
    filter.tenantId ?? null,
    filter.source ?? null,
    filter.jobType ?? null,
    filter.search ?? null,
    filter.after?.name ?? null,
    filter.after?.id ?? null,
    filter.limit,
  ]);
  return camelizeRows<ScheduledJob>(rows);
}

/** Params: $1 id. Runs keep their history: `scheduled_job_id` becomes null, `schedule_name` stays. */
const deleteSql = (s: SchemaName) => `delete from ${s.quoted}.scheduled_jobs where id = $1 returning id`;

export async function deleteSchedule(db: Queryable, s: SchemaName, id: string): Promise<boolean> {
  const { rowCount } = await db.query(deleteSql(s), [id]);
  return rowCount > 0;
}

/** Params: $1 keys to keep. Code-defined schedules whose key is no longer in the code. */
const orphanedSql = (s: SchemaName) => `
  select * from ${s.quoted}.scheduled_jobs
  where source = 'code' and not (key = any($1::text[]))`;

export async function listOrphanedCodeSchedules(db: Queryable, s: SchemaName, keys: readonly string[]): Promise<ScheduledJob[]> {
  const { rows } = await db.query(orphanedSql(s), [keys]);
  return camelizeRows<ScheduledJob>(rows);
}
