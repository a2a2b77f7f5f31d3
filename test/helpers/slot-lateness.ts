/**
 * How late slot-fired runs were, by the database clock: fired (`created_at`) and started
 * (`started_at`, the handler's start) after their slot. Complements `checkSlots`, which counts
 * runs per slot.
 */
import type { Queryable } from '../../src/db/database.js';
import { percentile } from './chaos-report.js';

export interface SlotLateness {
  fireP50Ms: number;
  fireP99Ms: number;
  fireMaxMs: number;
  startP99Ms: number;
}

export async function readSlotLateness(db: Queryable, schema: string, options: { scheduleIds: readonly string[]; until: Date }): Promise<SlotLateness> {
  const { rows } = await db.query<{ fire_ms: number; start_ms: number | null }>(
    `select (extract(epoch from created_at - scheduled_for) * 1000)::float8 as fire_ms,
            (extract(epoch from started_at - scheduled_for) * 1000)::float8 as start_ms
     from "${schema}".job_runs
     where scheduled_job_id = any($1::uuid[])
       and trigger in ('cron', 'catch_up')
       and scheduled_for <= $2`,
    [options.scheduleIds, options.until],
  );
  const fire = rows.map((row) => row.fire_ms);
  const start = rows.flatMap((row) => (row.start_ms === null ? [] : [row.start_ms]));
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    fireP50Ms: round(percentile(fire, 50)),
    fireP99Ms: round(percentile(fire, 99)),
    fireMaxMs: round(percentile(fire, 100)),
    startP99Ms: round(percentile(start, 99)),
  };
}
