/**
 * Checking "exactly one run per slot" in SQL results: which slots of a set of fixed-step
 * schedules (e.g. per-second cron) have no run, which have several, and which run was created
 * (database time) before its slot.
 */
import type { Queryable } from '../../src/db/database.js';
import type { Hourglass } from '../../src/hourglass.js';
import type { ScheduleInput } from '../../src/services/schedule-input.js';
import { waitFor } from './wait.js';

/** Creates `count` schedules firing every second; returns each one's first slot by id. */
export async function createPerSecondSchedules(hourglass: Hourglass, count: number, input: Partial<ScheduleInput> = {}): Promise<Map<string, Date>> {
  const firstSlots = new Map<string, Date>();
  for (let index = 0; index < count; index += 1) {
    const schedule = await hourglass.schedules.create({
      name: `every second ${index}`,
      jobType: 'noop',
      cronExpression: '*/1 * * * * *',
      overlapPolicy: 'allow',
      ...input,
    });
    firstSlots.set(schedule.id, schedule.nextRunAt!);
  }
  return firstSlots;
}

export interface SlotReport {
  schedules: number;
  /** Slots examined: every step from each schedule's first slot to `until`. */
  slots: number;
  /** Slot-fired runs for the examined slots. */
  runs: number;
  /** Slots (anywhere in the history) with more than one run. */
  duplicates: number;
  /** Examined slots without a run. */
  misses: number;
  /** Runs whose `created_at` (database clock) is earlier than their `scheduled_for`. */
  early: number;
  /** Lateness of the examined runs (created_at − scheduled_for). */
  medianLateMs: number;
  maxLateMs: number;
  /** A few missing slots, for failure messages. */
  missing: string[];
}

/** The counts of a report, as figures for a scenario's report line. */
export function slotCounts(report: SlotReport): Pick<SlotReport, 'slots' | 'runs' | 'duplicates' | 'misses' | 'early'> {
  const { slots, runs, duplicates, misses, early } = report;
  return { slots, runs, duplicates, misses, early };
}

interface SlotRunRow {
  scheduled_job_id: string;
  scheduled_for: Date;
  created_at: Date;
}

export async function checkSlots(db: Queryable, schema: string, options: { firstSlots: ReadonlyMap<string, Date>; until: Date; stepMs?: number }): Promise<SlotReport> {
  const stepMs = options.stepMs ?? 1000;
  const { rows } = await db.query<SlotRunRow>(
    `select scheduled_job_id, scheduled_for, created_at
     from "${schema}".job_runs
     where scheduled_job_id = any($1::uuid[])
       and trigger in ('cron', 'catch_up')`,
    [[...options.firstSlots.keys()]],
  );
  const bySlot = new Map<string, SlotRunRow[]>();
  for (const row of rows) {
    const key = `${row.scheduled_job_id}|${row.scheduled_for.getTime()}`;
    bySlot.set(key, [...(bySlot.get(key) ?? []), row]);
  }
  const report: SlotReport = { schedules: options.firstSlots.size, slots: 0, runs: 0, duplicates: 0, misses: 0, early: 0, medianLateMs: 0, maxLateMs: 0, missing: [] };
  for (const runs of bySlot.values()) if (runs.length > 1) report.duplicates += 1;
  report.early = rows.filter((row) => row.created_at.getTime() < row.scheduled_for.getTime()).length;
  const lateness: number[] = [];
  for (const [id, first] of options.firstSlots) {
    for (let at = first.getTime(); at <= options.until.getTime(); at += stepMs) {
      report.slots += 1;
      const runs = bySlot.get(`${id}|${at}`) ?? [];
      report.runs += runs.length;
      if (runs.length === 0) {
        report.misses += 1;
        if (report.missing.length < 5) report.missing.push(`${id} @ ${new Date(at).toISOString()}`);
      }
      for (const run of runs) lateness.push(run.created_at.getTime() - run.scheduled_for.getTime());
    }
  }
  lateness.sort((a, b) => a - b);
  report.medianLateMs = lateness[Math.floor(lateness.length / 2)] ?? 0;
  report.maxLateMs = lateness.at(-1) ?? 0;
  return report;
}

/** Waits until no active schedule of `schema` has a slot at or before `instant` left to fire. */
export async function waitForSlotsFiredThrough(db: Queryable, schema: string, instant: Date, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await db.query<{ n: number }>(
        `select count(*)::int as n from "${schema}".scheduled_jobs where status = 'active' and next_run_at <= $1`,
        [instant],
      );
      return rows[0]!.n === 0;
    },
    { timeoutMs, intervalMs: 100, message: `every slot through ${instant.toISOString()} to fire` },
  );
}

/** The whole second at or before `instant`. */
export function floorToSecond(instant: Date): Date {
  return new Date(Math.floor(instant.getTime() / 1000) * 1000);
}
