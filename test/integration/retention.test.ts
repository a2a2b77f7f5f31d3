/**
 * Retention (issue 6): which finished runs a pass deletes (age by status, the newest runs of
 * each schedule kept, pending and running runs and the dependencies of pending runs never
 * touched), logs going with their runs, the dry run, small batches, the loop, and on
 * PostgreSQL the one-pruner-at-a-time lock. Time is the controlled database clock.
 */
import { describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import { pruneRuns, type PruneReport } from '../../src/retention/prune-runs.js';
import { retentionLockName } from '../../src/db/queries/retention.js';
import { createSchemaName } from '../../src/db/schema-name.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock } from '../helpers/clock.js';
import { waitFor } from '../helpers/wait.js';
import { cliTestKit, runCli } from '../helpers/cli.js';
import { pino } from 'pino';
import { createPruner } from '../../src/retention/pruner.js';
import type { Database } from '../../src/db/database.js';

const env = setupTestDatabase();
const { freshDatabase } = cliTestKit();
const NOW = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const jobs = [defineJob({ name: 'sync', async run() {} })];

interface Seed {
  name: string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'skipped';
  schedule: 'a' | 'b' | null;
  /** Days before NOW the run finished (or, unfinished, was created). */
  daysAgo: number;
  dependsOn?: string;
}

const seeds: Seed[] = [
  { name: 'a_keep1', status: 'completed', schedule: 'a', daysAgo: 35 },
  { name: 'a_keep2', status: 'skipped', schedule: 'a', daysAgo: 40 },
  { name: 'a_old_cancelled', status: 'cancelled', schedule: 'a', daysAgo: 45 },
  { name: 'a_failed_recent', status: 'failed', schedule: 'a', daysAgo: 60 },
  { name: 'a_old_completed', status: 'completed', schedule: 'a', daysAgo: 100 },
  { name: 'a_old_failed', status: 'failed', schedule: 'a', daysAgo: 120 },
  { name: 'a_pending', status: 'pending', schedule: 'a', daysAgo: 200 },
  { name: 'a_running', status: 'running', schedule: 'a', daysAgo: 200 },
  { name: 'b_recent', status: 'completed', schedule: 'b', daysAgo: 5 },
  { name: 'b_c1', status: 'completed', schedule: 'b', daysAgo: 31 },
  { name: 'b_c2', status: 'completed', schedule: 'b', daysAgo: 32 },
  { name: 'b_c3', status: 'completed', schedule: 'b', daysAgo: 33 },
  { name: 'n_recent', status: 'completed', schedule: null, daysAgo: 10 },
  { name: 'n_old', status: 'completed', schedule: null, daysAgo: 31 },
  { name: 'n_failed_60', status: 'failed', schedule: null, daysAgo: 60 },
  { name: 'n_failed_91', status: 'failed', schedule: null, daysAgo: 91 },
  { name: 'n_dep', status: 'failed', schedule: null, daysAgo: 200 },
  { name: 'n_pending', status: 'pending', schedule: null, daysAgo: 1, dependsOn: 'n_dep' },
];
const expectedDeleted = ['a_old_cancelled', 'a_old_completed', 'a_old_failed', 'b_c2', 'b_c3', 'n_old', 'n_failed_91'];
const expectedKept = seeds.map((seed) => seed.name).filter((name) => !expectedDeleted.includes(name));

async function setup(retention: { batchSize?: number; enabled?: boolean } = {}, scheduler = false) {
  const clock = createTestClock(NOW);
  const hg = await env.create(
    { jobs, retention: { enabled: false, completedDays: 30, failedDays: 90, keepPerSchedule: 2, intervalMs: 60_000, batchSize: 500, ...retention }, scheduler: { enabled: scheduler } },
    { clock },
  );
  const a = await hg.schedules.create({ key: 'a', name: 'Schedule A', jobType: 'sync', cronExpression: '0 * * * *' });
  const b = await hg.schedules.create({ key: 'b', name: 'Schedule B', jobType: 'sync', cronExpression: '0 * * * *' });
  const scheduleIds = { a: a.id, b: b.id };
  const { db } = await hg.ready();
  const table = `"${hg.config.schema}"`;
  const ids = new Map<string, string>();
  for (const seed of seeds) {
    const at = new Date(NOW.getTime() - seed.daysAgo * DAY);
    const finished = seed.status !== 'pending' && seed.status !== 'running';
    const { rows } = await db.query<{ id: string }>(
      `insert into ${table}.job_runs (scheduled_job_id, schedule_name, job_type, trigger, status, created_at, run_after, finished_at, depends_on, metadata)
       values ($1, $2, 'sync', 'manual', $3, $4, $4, $5, $6::uuid[], jsonb_build_object('seed', $7::text)) returning id`,
      [seed.schedule ? scheduleIds[seed.schedule] : null, seed.schedule ? `Schedule ${seed.schedule.toUpperCase()}` : null, seed.status, new Date(at.getTime() - 60_000), finished ? at : null, seed.dependsOn ? [ids.get(seed.dependsOn)] : [], seed.name],
    );
    ids.set(seed.name, rows[0]!.id);
    await db.query(`insert into ${table}.job_run_logs (run_id, level, message) values ($1, 'info', 'one'), ($1, 'info', 'two')`, [rows[0]!.id]);
  }
  return { hg, clock, ids, scheduleIds };
}

async function remaining(hg: Hourglass): Promise<{ runs: string[]; logsByRun: Record<string, number>; orphanLogs: number }> {
  const { db } = await hg.ready();
  const table = `"${hg.config.schema}"`;
  const runs = await db.query<{ seed: string; logs: number }>(
    `select r.metadata->>'seed' as seed, (select count(*)::int from ${table}.job_run_logs l where l.run_id = r.id) as logs from ${table}.job_runs r order by 1`,
  );
  const orphans = await db.query<{ n: number }>(
    `select count(*)::int as n from ${table}.job_run_logs l where not exists (select 1 from ${table}.job_runs r where r.id = l.run_id)`,
  );
  return { runs: runs.rows.map((row) => row.seed), logsByRun: Object.fromEntries(runs.rows.map((row) => [row.seed, row.logs])), orphanLogs: orphans.rows[0]!.n };
}

const counts = (report: PruneReport) => ({ total: report.total, byStatus: report.byStatus, bySchedule: report.bySchedule, oldest: report.oldestFinishedAt, newest: report.newestFinishedAt });

describe('a retention pass', () => {
  test('deletes exactly the runs past their age, keeping the newest of each schedule, failed runs longer, and unfinished runs', async () => {
    const { hg, scheduleIds } = await setup();
    const report = await pruneRuns(hg);
    expect(report).toMatchObject({ dryRun: false, locked: false, total: 7, byStatus: { cancelled: 1, completed: 4, failed: 2 } });
    expect(report.bySchedule).toEqual([
      { scheduledJobId: scheduleIds.a, scheduleName: 'Schedule A', count: 3 },
      { scheduledJobId: null, scheduleName: null, count: 2 },
      { scheduledJobId: scheduleIds.b, scheduleName: 'Schedule B', count: 2 },
    ]);
    expect(report.oldestFinishedAt).toEqual(new Date(NOW.getTime() - 120 * DAY));
    expect(report.newestFinishedAt).toEqual(new Date(NOW.getTime() - 31 * DAY));
    const after = await remaining(hg);
    expect(after.runs).toEqual([...expectedKept].sort());
    expect(after.orphanLogs).toBe(0);
    for (const name of expectedKept) expect(after.logsByRun[name]).toBe(2);
  });

  test('deletes nothing more when run again, and more once the clock moves on', async () => {
    const { hg, clock } = await setup();
    await pruneRuns(hg);
    expect((await pruneRuns(hg)).total).toBe(0);
    clock.advance(30 * DAY);
    // b_recent is now 35 days old but one of B's two newest; n_recent (40 days) and n_failed_60 (90 days) go.
    const later = await pruneRuns(hg);
    expect(later).toMatchObject({ total: 1, byStatus: { completed: 1 } });
    expect((await remaining(hg)).runs).not.toContain('n_recent');
    expect((await remaining(hg)).runs).toContain('n_failed_60');
  });

  test('keeps a finished run a pending run depends on until that run has finished', async () => {
    const { hg, ids } = await setup();
    await pruneRuns(hg);
    expect((await remaining(hg)).runs).toContain('n_dep');
    const { db } = await hg.ready();
    await db.query(`update "${hg.config.schema}".job_runs set status = 'cancelled', finished_at = $2 where id = $1`, [ids.get('n_pending'), NOW]);
    await pruneRuns(hg);
    expect((await remaining(hg)).runs).not.toContain('n_dep');
  });

  test('as a dry run deletes nothing and reports what the real pass then deletes', async () => {
    const { hg } = await setup();
    const before = await remaining(hg);
    const dry = await pruneRuns(hg, { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, total: 7, batches: 0 });
    expect(await remaining(hg)).toEqual(before);
    const real = await pruneRuns(hg);
    expect(counts(real)).toEqual(counts(dry));
  });

  test('in batches of 2 still deletes everything due, one statement per batch', async () => {
    const { hg } = await setup({ batchSize: 2 });
    const report = await pruneRuns(hg);
    expect(report).toMatchObject({ total: 7, batches: 4 });
    expect((await remaining(hg)).runs).toEqual([...expectedKept].sort());
  });
});

describe('the retention loop', () => {
  test('prunes in a process running the scheduler when retention is enabled', async () => {
    const { hg } = await setup({ enabled: true }, true);
    await hg.start();
    await waitFor(async () => (await remaining(hg)).runs.length === expectedKept.length, { message: 'retention pass at start' });
    expect((await remaining(hg)).runs).toEqual([...expectedKept].sort());
  });
});

describe('the retention loop on database errors', () => {
  test('logs the first failure once, backs off and prunes once the database answers again', async () => {
    const { hg } = await setup();
    const runtime = await hg.ready();
    const logs: Array<{ msg: string; loop?: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    let failuresLeft = 2;
    const flaky: Database = {
      ...runtime.db,
      kind: runtime.db.kind,
      query: (sql, params) => runtime.db.query(sql, params),
      exec: (sql) => runtime.db.exec(sql),
      listen: (channel, handler) => runtime.db.listen(channel, handler),
      close: () => runtime.db.close(),
      transaction(fn, options) {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
        }
        return runtime.db.transaction(fn, options);
      },
    };
    const pruner = createPruner({ ...runtime, db: flaky, logger });
    pruner.start();
    try {
      await waitFor(() => failuresLeft === 1, { message: 'first failed pass' });
      pruner.wake();
      await waitFor(() => failuresLeft === 0, { message: 'second failed pass' });
      pruner.wake();
      await waitFor(async () => (await remaining(hg)).runs.length === expectedKept.length, { message: 'pass after recovery' });
    } finally {
      await pruner.stop();
    }
    expect(logs.filter((line) => line.msg === 'retention pass failed')).toHaveLength(1);
    expect(logs.some((line) => line.msg === 'database reachable again; retention resumed')).toBe(true);
  });
});

describe.skipIf(env.backend !== 'postgres')('two pruners on PostgreSQL', () => {
  test('a pass finding the lock held does nothing', async () => {
    const { hg } = await setup();
    const lockName = retentionLockName(createSchemaName(hg.config.schema));
    const report = await env.db().transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [lockName]);
      return pruneRuns(hg);
    });
    expect(report).toMatchObject({ locked: true, total: 0 });
    expect((await remaining(hg)).runs).toHaveLength(seeds.length);
  });

  test('passes at once delete each due run once between them', async () => {
    const { hg } = await setup({ batchSize: 1 });
    const reports = await Promise.all([pruneRuns(hg), pruneRuns(hg), pruneRuns(hg)]);
    expect(reports.reduce((sum, report) => sum + report.total, 0)).toBe(7);
    expect(reports.filter((report) => report.total > 0)).toHaveLength(1);
    expect((await remaining(hg)).runs).toEqual([...expectedKept].sort());
  });
});

describe('hourglass runs prune', () => {
  test('--dry-run shows what a pass would delete and deletes nothing; without it, deletes', { timeout: 120_000 }, async () => {
    const database = freshDatabase();
    expect((await runCli(['migrate'], database.env)).code).toBe(0);
    await database.sql(`insert into hourglass.job_runs (job_type, trigger, status, created_at, finished_at)
      select 'sync', 'manual', s.status, now() - interval '100 days', now() - s.age
      from (values ('completed', interval '40 days'), ('failed', interval '95 days'), ('failed', interval '40 days'), ('completed', interval '1 day')) as s (status, age)`);
    await database.sql(`insert into hourglass.job_run_logs (run_id, level, message) select id, 'info', 'line' from hourglass.job_runs`);
    const dry = await runCli(['runs', 'prune', '--dry-run', '--json'], database.env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, locked: false, total: 2, by_status: { completed: 1, failed: 1 }, by_schedule: [{ scheduled_job_id: null, count: 2 }] });
    expect(await database.sql<{ n: number }>('select count(*)::int as n from hourglass.job_runs')).toEqual([{ n: 4 }]);
    const people = await runCli(['runs', 'prune'], database.env);
    expect(people.code, people.stderr).toBe(0);
    expect(people.stdout).toMatch(/^deleted 2 run\(s\)/);
    expect(await database.sql<{ n: number }>('select count(*)::int as n from hourglass.job_runs')).toEqual([{ n: 2 }]);
    expect(await database.sql<{ n: number }>('select count(*)::int as n from hourglass.job_run_logs')).toEqual([{ n: 2 }]);
  });
});
