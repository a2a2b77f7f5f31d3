/**
 * `job_runs` reads and the operator's writes: lookups, filtered lists with a keyset cursor,
 * cancellation and the history of a schedule. Inserting runs goes through
 * `fire-due.ts#insertRuns` (one shape for scheduler, triggers and enqueues).
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';
import type { JobRun } from '../../model.js';
import { camelizeRow, camelizeRows } from './rows.js';

/** Params: $1 id. */
const getSql = (s: SchemaName, lock: boolean) => `select * from ${s.quoted}.job_runs where id = $1 ${lock ? 'for update' : ''}`;

export async function findRun(db: Queryable, s: SchemaName, id: string, lock = false): Promise<JobRun | null> {
  const { rows } = await db.query(getSql(s, lock), [id]);
  return rows[0] ? camelizeRow<JobRun>(rows[0]) : null;
}

export interface RunFilter {
  scheduledJobId?: string;
  tenantId?: string | null;
  jobType?: string;
  status?: string;
  trigger?: string;
  batchId?: string;
  since?: Date;
  until?: Date;
  limit: number;
  /** Keyset cursor: rows older than the run `id` (by created_at, then id); `createdAt` stands in for its created_at once it is deleted. */
  before?: { createdAt: Date; id: string };
}

/** Params: see `RunFilter`; null parameters do not filter. Newest first. */
const listSql = (s: SchemaName) => `
  select * from ${s.quoted}.job_runs
  where ($1::uuid is null or scheduled_job_id = $1)
    and ($2::boolean is false or tenant_id is not distinct from $3)
    and ($4::text is null or job_type = $4)
    and ($5::text is null or status = $5)
    and ($6::text is null or trigger = $6)
    and ($7::uuid is null or batch_id = $7)
    and ($8::timestamptz is null or created_at >= $8)
    and ($9::timestamptz is null or created_at < $9)
    -- the cursor row's own created_at: the cursor's instant is cut to milliseconds, the column
    -- has microseconds (runs of one firing share one), so comparing with it would skip rows
    and ($10::timestamptz is null or (created_at, id) < (
      coalesce((select c.created_at from ${s.quoted}.job_runs c where c.id = $11::uuid), $10), $11::uuid))
  order by created_at desc, id desc
  limit $12`;

export async function listRuns(db: Queryable, s: SchemaName, filter: RunFilter): Promise<JobRun[]> {
  const { rows } = await db.query(listSql(s), [
    filter.scheduledJobId ?? null,
    filter.tenantId !== undefined,
    filter.tenantId ?? null,
    filter.jobType ?? null,
    filter.status ?? null,
    filter.trigger ?? null,
    filter.batchId ?? null,
    filter.since ?? null,
    filter.until ?? null,
    filter.before?.createdAt ?? null,
    filter.before?.id ?? null,
    filter.limit,
  ]);
  return camelizeRows<JobRun>(rows);
}

/**
 * Params: $1 run ids, $2 reason, $3 now (nullable). Pending runs end `cancelled` at once;
 * running ones get `cancel_requested_at` and the reason (their worker aborts the handler and
 * records the end with that reason). Returns what happened to each.
 */
const cancelSql = (s: SchemaName) => `
  update ${s.quoted}.job_runs
  set status = case when status = 'pending' then 'cancelled' else status end,
      finished_at = case when status = 'pending' then coalesce($3::timestamptz, now()) else finished_at end,
      -- a running run keeps the reason here until its worker records the end (see finish-runs)
      error_message = $2,
      cancel_requested_at = case when status = 'running' then coalesce(cancel_requested_at, coalesce($3::timestamptz, now())) else cancel_requested_at end
  where id = any($1::uuid[]) and status in ('pending', 'running')
  returning id, status`;

export async function cancelRuns(db: Queryable, s: SchemaName, ids: readonly string[], reason: string, now: Date | null) {
  if (ids.length === 0) return { cancelled: [] as string[], requested: [] as string[] };
  const { rows } = await db.query<{ id: string; status: string }>(cancelSql(s), [ids, reason, now]);
  return {
    cancelled: rows.filter((row) => row.status === 'cancelled').map((row) => row.id),
    requested: rows.filter((row) => row.status === 'running').map((row) => row.id),
  };
}

/** Params: $1 batch id. Every run of a batch, oldest first (for the dependency view). */
const batchSql = (s: SchemaName) => `select * from ${s.quoted}.job_runs where batch_id = $1 order by created_at, id`;

export async function listBatch(db: Queryable, s: SchemaName, batchId: string): Promise<JobRun[]> {
  const { rows } = await db.query(batchSql(s), [batchId]);
  return camelizeRows<JobRun>(rows);
}
