/**
 * The legacy importers against real tables (issue 5): akeneo, plugin-cron and scoring tables
 * created in a PostgreSQL schema of their own with good rows and bad ones (invalid cron,
 * unknown zone, unknown job type, a once schedule in the past, a bad HH:MM), imported through
 * the library and through the `hourglass import legacy` binary: the schedules field by field,
 * a second run that changes nothing (same audit log), a changed source row (updated), and a
 * dry run that prints the plan and writes nothing.
 *
 * Needs PostgreSQL (TEST_DATABASE_URL) and the built CLI (`npm run build`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import { applyImport } from '../../src/import/apply.js';
import { planLegacyImport, planLegacyRunImport, type LegacyFormat } from '../../src/import/legacy/plan-legacy-import.js';
import type { ImportReport } from '../../src/import/plan.js';
import type { ScheduledJob } from '../../src/model.js';
import { setupTestDatabase, testDatabaseUrl } from '../helpers/db.js';
import { cliTestKit, runCli } from '../helpers/cli.js';

const env = setupTestDatabase();
const { freshDatabase } = cliTestKit();
const source = `legacy_${randomBytes(4).toString('hex')}`;
const jobNames = ['catalogue_import', 'scoring', 'sync_orders', 'send_digest'];
const jobs = jobNames.map((name) => defineJob({ name, async run() {} }));

const tablesSql = `
  create table ${source}.akeneo_schedules (
    id serial primary key, schedule_type text, schedule_time text, import_type text, filters jsonb, options jsonb,
    credit_cost numeric(10, 2), status text, is_active boolean, store_id integer, last_run timestamptz, next_run timestamptz);
  insert into ${source}.akeneo_schedules
    (id, schedule_type, schedule_time, import_type, filters, options, credit_cost, status, is_active, store_id, last_run, next_run) values
    (1, 'daily', '02:30', 'products', '{"family": "shoes"}', '{"locale": "en_US"}', 1.50, 'active', true, 7, '2026-06-30T02:30:00Z', null),
    (2, 'weekly', '06:15', 'categories', null, null, 0, 'active', true, 7, null, null),
    (3, 'monthly', '23:59', 'assets', null, null, 2, 'paused', true, 9, null, null),
    (4, 'once', null, 'products', null, '{"full": true}', 5, 'active', true, 8, null, date_trunc('second', now()) + interval '2 days'),
    (5, 'daily', '04:00', 'products', null, null, 1, 'active', false, 8, null, null),
    (6, 'weekly', '25:00', 'products', null, null, 1, 'active', true, 7, null, null),
    (7, 'once', null, 'products', null, null, 1, 'active', true, 7, null, now() - interval '1 day'),
    (8, 'daily', 'noon', 'products', null, null, 1, 'active', true, 7, null, null),
    (9, 'hourly', '00:10', 'products', null, null, 1, 'active', true, 7, null, null);

  create table ${source}.plugin_cron (
    id serial primary key, cron_name text, cron_schedule text, timezone text, handler_method text, handler_params jsonb,
    is_enabled boolean, priority integer, run_count integer, success_count integer, failure_count integer,
    consecutive_failures integer, last_status text, last_error text, last_run_at timestamptz, next_run_at timestamptz);
  insert into ${source}.plugin_cron values
    (1, 'Order sync', '*/10 * * * *', 'Europe/Paris', 'sync_orders', '{"batch": 100}', true, 5, 120, 118, 2, 0, 'success', null, '2026-06-30T10:00:00Z', null),
    (2, 'Weekly digest', '0 8 * * 1', null, 'send_digest', null, false, 0, 4, 3, 1, 1, 'failed', 'smtp timeout', '2026-06-29T08:00:00Z', null),
    (3, 'Broken cron', '61 * * * *', 'UTC', 'sync_orders', '{}', true, 0, 0, 0, 0, 0, null, null, null, null),
    (4, 'Broken zone', '0 * * * *', 'Mars/Olympus', 'sync_orders', '{}', true, 0, 0, 0, 0, 0, null, null, null, null),
    (5, 'Unknown handler', '0 * * * *', 'UTC', 'no_such_handler', '{}', true, 0, 0, 0, 0, 0, null, null, null, null);

  create table ${source}.scoring_job_schedules (
    id integer primary key, brand_id integer, customer_id text, cron_expression text, timezone text, is_active boolean, next_run_at timestamptz);
  insert into ${source}.scoring_job_schedules values
    (1, 11, 'cust-a', '0 */6 * * *', 'UTC', true, null),
    (2, 12, 'cust-b', '30 3 * * *', 'America/New_York', false, null),
    (3, 13, 'cust-b', 'not a cron', 'UTC', true, null);

  create table ${source}.scoring_job_runs (
    id bigint primary key, schedule_id integer, status text, started_at timestamptz, finished_at timestamptz, error_message text, metrics jsonb);
  insert into ${source}.scoring_job_runs values
    (1, 1, 'success', '2026-06-30T00:00:00Z', '2026-06-30T00:04:00Z', null, '{"brands_scored": 1, "mentions": 420}'),
    (2, 1, 'failed', '2026-06-30T06:00:00Z', '2026-06-30T06:01:00Z', 'upstream 503', null),
    (3, 3, 'success', '2026-06-30T06:00:00Z', '2026-06-30T06:02:00Z', null, null),
    (4, 2, 'running', '2026-07-01T03:30:00Z', null, null, null);`;

const tables: Record<LegacyFormat, string> = { akeneo: 'akeneo_schedules', 'plugin-cron': 'plugin_cron', scoring: 'scoring_job_schedules' };

beforeAll(async () => {
  await env.db().exec(`create schema ${source}; ${tablesSql}`);
});

afterAll(async () => {
  await env.db().exec(`drop schema if exists ${source} cascade`);
});

async function importTable(hg: Hourglass, format: LegacyFormat, options: { dryRun?: boolean } = {}): Promise<ImportReport> {
  const plan = await planLegacyImport(env.db(), { format, schema: source, table: tables[format] });
  return applyImport(hg, plan, options);
}

async function schedulesByRef(hg: Hourglass): Promise<Map<string, ScheduledJob>> {
  const page = await hg.schedules.list({ source: 'import', limit: 500 });
  return new Map(page.items.map((item) => [item.sourceRef!, item]));
}

async function auditCount(hg: Hourglass): Promise<number> {
  const { db } = await hg.ready();
  const { rows } = await db.query<{ count: number }>(`select count(*)::int as count from "${hg.config.schema}".audit_log`);
  return rows[0]!.count;
}

function reasons(report: ImportReport): Record<string, string> {
  return Object.fromEntries(report.rows.filter((row) => row.action === 'reject').map((row) => [row.sourceRef.split(':')[1]!, row.reason!]));
}

describe('akeneo tables', () => {
  test('become cron or once schedules per store, with the rest in the payload; bad rows are rejected with their reason', async () => {
    const hg = await env.create({ jobs });
    const report = await importTable(hg, 'akeneo');
    expect(report).toMatchObject({ read: 9, created: 5, updated: 0, unchanged: 0, rejected: 4 });
    expect(reasons(report)).toEqual({
      '6': 'schedule_time: expected HH:MM (00:00 to 23:59), got "25:00"',
      '7': expect.stringMatching(/^next_run: once schedule at .* is in the past$/),
      '8': 'schedule_time: expected HH:MM (00:00 to 23:59), got "noon"',
      '9': 'schedule_type: expected daily, weekly, monthly or once, got "hourly"',
    });
    const rows = await schedulesByRef(hg);
    const ref = (id: number) => rows.get(`${source}.akeneo_schedules:${id}`)!;
    expect(ref(1)).toMatchObject({
      name: 'Akeneo products import (store 7)',
      tenantId: '7',
      source: 'import',
      executionMode: 'single_job',
      jobType: 'catalogue_import',
      scheduleType: 'cron',
      cronExpression: '30 2 * * *',
      timezone: 'UTC',
      status: 'active',
      payload: { import_type: 'products', filters: { family: 'shoes' }, options: { locale: 'en_US' }, credit_cost: 1.5 },
      lastRunAt: new Date('2026-06-30T02:30:00Z'),
    });
    expect(ref(1).nextRunAt).not.toBeNull();
    expect(ref(2)).toMatchObject({ cronExpression: '15 6 * * 1', payload: { import_type: 'categories', filters: null, options: null, credit_cost: 0 } });
    expect(ref(3)).toMatchObject({ cronExpression: '59 23 1 * *', status: 'paused', tenantId: '9' });
    expect(ref(4)).toMatchObject({ scheduleType: 'once', cronExpression: null, tenantId: '8' });
    expect(ref(4).nextRunAt?.getTime()).toBe(ref(4).runAt?.getTime());
    expect(ref(5)).toMatchObject({ status: 'inactive', nextRunAt: null });
  });

  test('a second run changes nothing; a changed source row is updated', async () => {
    const hg = await env.create({ jobs });
    await importTable(hg, 'akeneo');
    const audit = await auditCount(hg);
    const again = await importTable(hg, 'akeneo');
    expect(again).toMatchObject({ read: 9, created: 0, updated: 0, unchanged: 5, rejected: 4 });
    expect(await auditCount(hg)).toBe(audit);

    await env.db().query(`update ${source}.akeneo_schedules set schedule_time = '03:45', credit_cost = 2 where id = 1`);
    try {
      const changed = await importTable(hg, 'akeneo');
      expect(changed).toMatchObject({ created: 0, updated: 1, unchanged: 4, rejected: 4 });
      expect(changed.rows.find((row) => row.action === 'update')).toMatchObject({ sourceRef: `${source}.akeneo_schedules:1`, changes: ['payload', 'cron_expression'] });
      expect((await schedulesByRef(hg)).get(`${source}.akeneo_schedules:1`)).toMatchObject({ cronExpression: '45 3 * * *', payload: { credit_cost: 2 }, version: 2 });
      expect(await auditCount(hg)).toBe(audit + 1);
    } finally {
      await env.db().query(`update ${source}.akeneo_schedules set schedule_time = '02:30', credit_cost = 1.5 where id = 1`);
    }
  });
});

describe('plugin-cron tables', () => {
  test('keep their counters; the handler method is the job type and must be registered', async () => {
    const hg = await env.create({ jobs });
    const report = await importTable(hg, 'plugin-cron');
    expect(report).toMatchObject({ read: 5, created: 2, rejected: 3 });
    const why = reasons(report);
    expect(why['3']).toMatch(/cron/i);
    expect(why['4']).toContain('Mars/Olympus');
    expect(why['5']).toContain('no_such_handler');
    const rows = await schedulesByRef(hg);
    expect(rows.get(`${source}.plugin_cron:1`)).toMatchObject({
      name: 'Order sync',
      jobType: 'sync_orders',
      cronExpression: '*/10 * * * *',
      timezone: 'Europe/Paris',
      payload: { batch: 100 },
      status: 'active',
      priority: 5,
      runCount: 120,
      successCount: 118,
      failureCount: 2,
      consecutiveFailures: 0,
      lastStatus: 'success',
      lastError: null,
      lastRunAt: new Date('2026-06-30T10:00:00Z'),
    });
    expect(rows.get(`${source}.plugin_cron:2`)).toMatchObject({ jobType: 'send_digest', timezone: 'UTC', payload: {}, status: 'inactive', nextRunAt: null, runCount: 4, consecutiveFailures: 1, lastError: 'smtp timeout' });
    expect(await importTable(hg, 'plugin-cron')).toMatchObject({ created: 0, updated: 0, unchanged: 2, rejected: 3 });
  });
});

describe('scoring tables', () => {
  test('become scoring schedules with the customer as tenant and the brand in the payload', async () => {
    const hg = await env.create({ jobs });
    const report = await importTable(hg, 'scoring');
    expect(report).toMatchObject({ read: 3, created: 2, rejected: 1 });
    expect(reasons(report)['3']).toMatch(/cron/i);
    const rows = await schedulesByRef(hg);
    expect(rows.get(`${source}.scoring_job_schedules:1`)).toMatchObject({ name: 'Scoring brand 11 (customer cust-a)', jobType: 'scoring', tenantId: 'cust-a', payload: { brand_id: 11 }, cronExpression: '0 */6 * * *', status: 'active' });
    expect(rows.get(`${source}.scoring_job_schedules:2`)).toMatchObject({ tenantId: 'cust-b', timezone: 'America/New_York', status: 'inactive' });
  });
});

describe('scoring run history (--runs)', () => {
  test('finished runs become job_runs of their imported schedule, once', async () => {
    const hg = await env.create({ jobs });
    const plan = await planLegacyImport(env.db(), { format: 'scoring', schema: source, table: tables.scoring });
    const runs = () => planLegacyRunImport(env.db(), { runs: { schema: source, table: 'scoring_job_runs' }, schedules: { schema: source, table: tables.scoring } });
    const dry = await applyImport(hg, plan, { runs: await runs(), dryRun: true });
    expect(dry.runs).toMatchObject({ read: 4, created: 2, unchanged: 0, rejected: 2 });
    const report = await applyImport(hg, plan, { runs: await runs() });
    expect(report.runs).toMatchObject({ read: 4, created: 2, updated: 0, unchanged: 0, rejected: 2 });
    const why = reasons(report.runs!);
    expect(why['3']).toBe(`schedule ${source}.scoring_job_schedules:3 was not imported`);
    expect(why['4']).toContain('only finished runs');

    const { db } = await hg.ready();
    const schedule = (await schedulesByRef(hg)).get(`${source}.scoring_job_schedules:1`)!;
    const { rows } = await db.query<Record<string, unknown>>(
      `select scheduled_job_id, schedule_name, tenant_id, job_type, trigger, status, payload, started_at, finished_at, error_message, metrics, metadata
       from "${hg.config.schema}".job_runs order by started_at`,
    );
    expect(rows).toEqual([
      expect.objectContaining({ scheduled_job_id: schedule.id, schedule_name: schedule.name, tenant_id: 'cust-a', job_type: 'scoring', trigger: 'cron', status: 'completed', payload: { brand_id: 11 }, started_at: new Date('2026-06-30T00:00:00Z'), metrics: { brands_scored: 1, mentions: 420 }, metadata: { source_ref: `${source}.scoring_job_runs:1` } }),
      expect.objectContaining({ status: 'failed', error_message: 'upstream 503', finished_at: new Date('2026-06-30T06:01:00Z'), metrics: {} }),
    ]);
    const again = await applyImport(hg, plan, { runs: await runs() });
    expect(again.runs).toMatchObject({ created: 0, unchanged: 2, rejected: 2 });
    expect((await db.query(`select id from "${hg.config.schema}".job_runs`)).rows).toHaveLength(2);
  });
});

describe('hourglass import legacy', () => {
  function cliSetup() {
    const database = freshDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'hourglass-import-'));
    const config = join(dir, 'hourglass.config.mjs');
    writeFileSync(config, `const run = async () => ({});\nexport default { jobs: ${JSON.stringify(jobNames)}.map((name) => ({ name, run })) };\n`);
    const cli = (format: LegacyFormat, ...extra: string[]) =>
      runCli(['import', 'legacy', '--source-url', testDatabaseUrl(), '--schema', source, '--table', tables[format], '--format', format, '--config', config, ...extra], database.env);
    const counts = async () =>
      (await database.sql<{ schedules: number; audit: number }>(`select (select count(*)::int from hourglass.scheduled_jobs) as schedules, (select count(*)::int from hourglass.audit_log) as audit`))[0]!;
    return { cli, counts, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }

  test('--dry-run prints the plan row by row and writes nothing; the import then writes it, and a second run nothing', async () => {
    const { cli, counts, cleanup } = cliSetup();
    try {
      const dry = await cli('scoring', '--runs', 'scoring_job_runs', '--dry-run');
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('Dry run (nothing written)');
      expect(dry.stdout).toMatch(/would create\s+#1 brand 11/);
      expect(dry.stdout).toMatch(/rejected\s+#3 brand 13.*cron/i);
      expect(dry.stdout).toContain('read 3 · created 2 · updated 0 · unchanged 0 · rejected 1');
      expect(dry.stdout).toContain('read 4 · created 2 · updated 0 · unchanged 0 · rejected 2');
      expect(await counts()).toEqual({ schedules: 0, audit: 0 });

      const real = await cli('akeneo');
      expect(real.code, real.stderr).toBe(0);
      expect(real.stdout).toMatch(/created\s+#1 products daily 02:30 store 7/);
      expect(real.stdout).toContain('schedule_time: expected HH:MM');
      expect(real.stdout).toContain('read 9 · created 5 · updated 0 · unchanged 0 · rejected 4');
      const after = await counts();
      expect(after).toEqual({ schedules: 5, audit: 5 });

      const again = await cli('akeneo', '--json');
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ read: 9, created: 0, updated: 0, unchanged: 5, rejected: 4, dryRun: false });
      expect(await counts()).toEqual(after);
    } finally {
      cleanup();
    }
  });

  test('exits 1 when every row is rejected and 2 for bad input', async () => {
    const { cli, cleanup } = cliSetup();
    try {
      const allRejected = await cli('scoring', '--job-type', 'no_such_job');
      expect(allRejected.code).toBe(1);
      expect(allRejected.stdout).toContain('read 3 · created 0 · updated 0 · unchanged 0 · rejected 3');
      const badTable = await cli('scoring', '--table', 'x; drop table y');
      expect(badTable.code).toBe(2);
      expect(badTable.stderr).toContain('plain identifier');
      const missing = await cli('scoring', '--table', 'no_such_table');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('does not exist');
      const wrongFormat = await cli('scoring', '--format', 'akeneo');
      expect(wrongFormat.code).toBe(2);
      expect(wrongFormat.stderr).toContain('lacks the columns schedule_type, schedule_time');
    } finally {
      cleanup();
    }
  });
});
