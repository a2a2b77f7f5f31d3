/**
 * "Nothing changed": a fingerprint of every row an API call could change (schedules with
 * their versions and statuses, runs with their statuses, tokens, audit entries, log lines),
 * read straight from the instance's schema. Compare one taken before a rejected request with
 * one taken after it.
 */
import type { Hourglass } from '../../src/hourglass.js';

export interface Fingerprint {
  schedules: string[];
  runs: string[];
  tokens: string[];
  auditEntries: number;
  logLines: number;
}

export async function fingerprint(hourglass: Hourglass): Promise<Fingerprint> {
  const { db } = await hourglass.ready();
  const s = `"${hourglass.config.schema}"`;
  const column = async (sql: string) => (await db.query<{ v: string }>(sql)).rows.map((row) => row.v);
  const count = async (table: string) => Number((await db.query<{ n: string | number }>(`select count(*) as n from ${s}.${table}`)).rows[0]!.n);
  return {
    schedules: await column(`select id || ':' || version || ':' || status || ':' || name as v from ${s}.scheduled_jobs order by id`),
    runs: await column(`select id || ':' || status as v from ${s}.job_runs order by id`),
    tokens: await column(`select id || ':' || coalesce(revoked_at::text, 'live') as v from ${s}.api_tokens order by id`),
    auditEntries: await count('audit_log'),
    logLines: await count('job_run_logs'),
  };
}
