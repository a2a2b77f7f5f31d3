/**
 * `job_run_logs`: the lines handlers write with `ctx.log`, and the lines Hourglass itself
 * writes about a run (attempt errors, lease recovery). Lines are appended in batches.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';
import type { JobRunLog } from '../../model.js';

export interface LogLine {
  runId: string;
  at: Date;
  level: JobRunLog['level'];
  message: string;
  data?: Record<string, unknown> | null;
}

/** Params: $1 lines as JSON. Lines of runs deleted meanwhile are dropped, not errors. */
const appendSql = (s: SchemaName) => `
  insert into ${s.quoted}.job_run_logs (run_id, at, level, message, data)
  select l.run_id, l.at, l.level, l.message, l.data
  from jsonb_to_recordset($1::jsonb) as l(run_id uuid, at timestamptz, level text, message text, data jsonb)
  where exists (select 1 from ${s.quoted}.job_runs r where r.id = l.run_id)`;

export async function appendLogLines(db: Queryable, s: SchemaName, lines: readonly LogLine[]): Promise<void> {
  if (lines.length === 0) return;
  const records = lines.map((line) => ({
    run_id: line.runId,
    at: line.at.toISOString(),
    level: line.level,
    message: line.message,
    data: line.data ?? null,
  }));
  await db.query(appendSql(s), [JSON.stringify(records)]);
}

/** Params: $1 run id, $2 after id, $3 limit. Oldest first, for tailing. */
const listSql = (s: SchemaName) => `
  select id::int8 as id, run_id, at, level, message, data
  from ${s.quoted}.job_run_logs
  where run_id = $1 and id > $2
  order by id
  limit $3`;

export async function listLogLines(db: Queryable, s: SchemaName, runId: string, afterId = 0, limit = 1000): Promise<JobRunLog[]> {
  const { rows } = await db.query<{ id: string | number; run_id: string; at: Date; level: JobRunLog['level']; message: string; data: Record<string, unknown> | null }>(
    listSql(s),
    [runId, afterId, limit],
  );
  return rows.map((row) => ({ id: Number(row.id), runId: row.run_id, at: row.at, level: row.level, message: row.message, data: row.data }));
}
