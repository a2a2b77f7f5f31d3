/**
 * Schedule scale (Hourglass alone, PostgreSQL):
 *
 * 1. Idle tick at `small` schedules: `tick()` `ticks` times with nothing due (after 5 warm-up
 *    ticks), on an instance with neither loop running.
 * 2. `schedules` active schedules of which `due` share one due second S: the scheduler runs
 *    (its own instance, worker off) and the probe, on a separate connection every 20 ms, counts
 *    the runs; the figure is the wall time from S until all `due` runs exist. The database's own
 *    view (last run's `created_at` − S) is recorded beside it.
 * 3. Idle tick again, now at `schedules` (the due ones have moved on to tomorrow).
 *
 * Rows are inserted with plain SQL and are valid schedules: the idle ones are yearly crons
 * (`m h 1 1 *`, UTC, minutes and hours spread) due next 1 January; the due ones are daily crons
 * whose slot is exactly S (`s m h * * *`, six fields, seconds first).
 */
import { createHourglass, defineJob, type Hourglass } from 'hourglass';
import { openPostgresProbe, runTrial, waitForCount } from '../lib/trial-io.ts';
import { percentile } from '../lib/stats.ts';

const WARM_UP_TICKS = 5;
/** How far ahead of the inserts the due second is placed. */
const DUE_LEAD_MS = 3_000;

type Db = Awaited<ReturnType<Hourglass['ready']>>['db'];

async function insertIdleSchedules(db: Db, table: string, from: number, to: number): Promise<void> {
  await db.query(
    `insert into ${table} (name, execution_mode, job_type, schedule_type, cron_expression, timezone, next_run_at)
     select 'bench idle ' || g, 'single_job', 'noop', 'cron', (g % 60) || ' ' || (g / 60 % 24) || ' 1 1 *', 'UTC',
            (date_trunc('year', now() at time zone 'UTC') + interval '1 year' + make_interval(hours => g / 60 % 24, mins => g % 60)) at time zone 'UTC'
     from generate_series($1::int, $2::int) as g`,
    [from, to - 1],
  );
}

/** Inserts `count` schedules due at one whole second a few seconds ahead; returns that second. */
async function insertDueSchedules(db: Db, table: string, count: number): Promise<Date> {
  const dueAt = new Date(Math.ceil((Date.now() + DUE_LEAD_MS) / 1000) * 1000);
  const cron = `${dueAt.getUTCSeconds()} ${dueAt.getUTCMinutes()} ${dueAt.getUTCHours()} * * *`;
  await db.query(
    `insert into ${table} (name, execution_mode, job_type, schedule_type, cron_expression, timezone, next_run_at)
     select 'bench due ' || g, 'single_job', 'noop', 'cron', $2, 'UTC', $3
     from generate_series(1, $1::int) as g`,
    [count, cron, dueAt],
  );
  return dueAt;
}

/** Median and p99 of `count` idle ticks, in ms; fails if any tick found something due. */
async function measureIdleTicks(hourglass: Hourglass, count: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const durations: number[] = [];
  for (let i = 0; i < WARM_UP_TICKS + count; i++) {
    const started = performance.now();
    const result = await hourglass.tick();
    const ms = performance.now() - started;
    if (result.schedules > 0) throw new Error(`an idle tick found ${result.schedules} due schedules`);
    if (i >= WARM_UP_TICKS) durations.push(ms);
  }
  return { p50Ms: percentile(durations, 50), p99Ms: percentile(durations, 99) };
}

await runTrial(async (spec) => {
  const total = Number(spec.params.schedules);
  const due = Number(spec.params.due);
  const small = Number(spec.params.small);
  const ticks = Number(spec.params.ticks);
  const noop = defineJob({ name: 'noop', run() {} });
  const base = { databaseUrl: spec.databaseUrl, schema: spec.schema, logLevel: 'warn' as const, jobs: [noop] };
  const ticker = createHourglass({ ...base, scheduler: { enabled: false }, worker: { enabled: false } });
  const { db, schema } = await ticker.ready();
  const table = `${schema.quoted}.scheduled_jobs`;

  await insertIdleSchedules(db, table, 0, small);
  await db.query(`analyze ${table}`);
  const tickSmall = await measureIdleTicks(ticker, ticks);

  await insertIdleSchedules(db, table, small, total - due);
  const dueAt = await insertDueSchedules(db, table, due);
  await db.query(`analyze ${table}`);
  const schedulerSettings = { worker: { enabled: false } };
  const scheduler = createHourglass({ ...base, ...schedulerSettings });
  await scheduler.start();
  if (Date.now() >= dueAt.getTime()) throw new Error(`setup overran the due second by ${Date.now() - dueAt.getTime()} ms`);
  const { probe, close } = await openPostgresProbe(spec.databaseUrl);
  await waitForCount(() => probe(`select count(*)::int as n from ${schema.quoted}.job_runs`), due, spec.timeoutMs);
  const dueMs = Date.now() - dueAt.getTime();
  const lastCreated = await probe(`select (extract(epoch from max(created_at)) * 1000)::bigint as n from ${schema.quoted}.job_runs`);
  await close();
  await scheduler.stop();

  const tickLarge = await measureIdleTicks(ticker, ticks);
  return {
    figures: {
      dueMs,
      lastRunCreatedMs: lastCreated - dueAt.getTime(),
      tickSmallP50Ms: tickSmall.p50Ms,
      tickSmallP99Ms: tickSmall.p99Ms,
      tickLargeP50Ms: tickLarge.p50Ms,
      tickLargeP99Ms: tickLarge.p99Ms,
    },
    settings: { hourglass: schedulerSettings, schedules: total, due, small, ticks },
  };
});
