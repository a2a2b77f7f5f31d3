/**
 * The export document and crontab import against a real database (both backends): export →
 * import into the same schema changes nothing, into a fresh schema recreates every schedule
 * as it was; a crontab re-imported unchanged, or with comments added, changes nothing. And
 * `hourglass export` (and `import json` of its file) through the built binary.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defineJob, defineSchedule } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import { createHourglass } from '../../src/hourglass.js';
import { applyImport } from '../../src/import/apply.js';
import { parseCrontab } from '../../src/import/crontab.js';
import { exportDocument, planFromDocument, type ExportDocument } from '../../src/import/document.js';
import type { ScheduledJob } from '../../src/model.js';
import cliConfig from '../fixtures/cli.config.js';
import { cliTestKit, runCli } from '../helpers/cli.js';
import { setupTestDatabase } from '../helpers/db.js';

const env = setupTestDatabase();
const { freshDatabase } = cliTestKit();

const jobs = [
  defineJob({ name: 'sync', group: 'etl', async run() {} }),
  defineJob({ name: 'report', group: 'etl', dependsOn: ['sync'], async run() {} }),
  defineJob({ name: 'cleanup', async run() {} }),
];
const codeSchedule = defineSchedule({ key: 'daily-full-sync', name: 'Daily full sync', cron: '0 2 * * *', target: { all: true } });
const builtinJobs = { http: true, command: true };

const crontab = `SHELL=/bin/bash
PATH=/usr/local/bin:/usr/bin:/bin
0 2 * * * /usr/local/bin/backup.sh --full >/dev/null 2>&1
CRON_TZ=Europe/Paris
30 6 * * 1-5 curl -fsS https://example.com/ping
@reboot /opt/start.sh
@hourly /opt/app/bin/rotate-logs
`;

/** One schedule of every kind: targets, timings, statuses, policies, tenants, an imported one. */
async function seed(hg: Hourglass): Promise<void> {
  await hg.schedules.create({
    name: 'Brand 7 scoring',
    tenantId: 'customer-1',
    jobType: 'report',
    cronExpression: '30 6 * * 1-5',
    timezone: 'Europe/Paris',
    payload: { brand_id: 7, collectors: ['news', 'social'], limits: { per_run: 100 } },
    metadata: { owner: 'ops' },
    missedRunPolicy: 'catch_up',
    catchUpWindowSeconds: 3600,
    overlapPolicy: 'queue',
    dstGap: 'skip',
    dstOverlap: 'both',
    exclusions: [{ cron: '* 0-6 * * SAT,SUN', reason: 'weekend nights' }, { from: '2026-12-24', until: '2026-12-26' }],
    pauseAfterFailures: 3,
    maxAttempts: 5,
    timeoutSeconds: 900,
    priority: 10,
    jitterSeconds: 30,
  });
  await hg.schedules.create({ name: 'ETL every 15 minutes', description: 'the etl group', jobGroup: 'etl', intervalSeconds: 900, runAt: '2026-01-01T00:00:00Z' });
  await hg.schedules.create({ name: 'One-off cleanup', jobType: 'cleanup', runAt: '2031-09-01T13:00:00Z', tenantId: 'customer-2' });
  await hg.schedules.create({ name: 'Custom pair', key: 'custom-pair', jobTypes: ['sync', 'cleanup'], cronExpression: '0 */4 * * *', isActive: false });
  const paused = await hg.schedules.create({ name: 'Everything hourly', executionMode: 'all_jobs', cronExpression: '@hourly' });
  await hg.schedules.pause(paused.id, { note: 'until the migration is done', until: '2031-01-01T00:00:00Z' });
  await hg.schedules.create({ name: 'Ping', jobType: 'http', cronExpression: '*/5 * * * *', payload: { url: 'https://example.com/health', method: 'GET' } });
  const imported = await applyImport(hg, parseCrontab(crontab, { file: '/etc/crontabs/app' }));
  expect(imported).toMatchObject({ created: 3, rejected: 1 });
}

async function listAll(hg: Hourglass): Promise<ScheduledJob[]> {
  return (await hg.schedules.list({ limit: 500 })).items;
}

const byId = (document: ExportDocument) => [...document.schedules].sort((a, b) => a.id.localeCompare(b.id));

describe('export and import json', () => {
  test('importing an export into the database it came from reports every schedule unchanged and writes nothing', async () => {
    const hg = await env.create({ jobs, schedules: [codeSchedule], builtinJobs });
    await hg.start(); // syncs the code-defined schedule (scheduler and worker stay off)
    await seed(hg);
    const before = await listAll(hg);
    expect(before).toHaveLength(10);
    const document = exportDocument(before, { exportedAt: new Date() });
    const plan = planFromDocument(JSON.parse(JSON.stringify(document)), 'export.json');

    const report = await applyImport(hg, plan);
    expect(report.rows.filter((row) => row.action !== 'unchanged')).toEqual([]);
    expect(report).toMatchObject({ read: 10, created: 0, updated: 0, unchanged: 10, rejected: 0 });
    expect(await listAll(hg)).toEqual(before);
  });

  test('importing an export into a fresh schema recreates every schedule with its id and definition', async () => {
    const source = await env.create({ jobs, schedules: [codeSchedule], builtinJobs });
    await source.start();
    await seed(source);
    const document = exportDocument(await listAll(source), { exportedAt: new Date() });

    // No code-defined schedules here: the exported one arrives as it was (source code, same key).
    const target = await env.create({ jobs, builtinJobs });
    const report = await applyImport(target, planFromDocument(JSON.parse(JSON.stringify(document)), 'export.json'));
    expect(report).toMatchObject({ read: 10, created: 10, updated: 0, unchanged: 0, rejected: 0 });
    const recreated = exportDocument(await listAll(target), { exportedAt: new Date(document.exported_at) });
    expect(byId(recreated)).toEqual(byId(document));
    expect(recreated.schedules.find((schedule) => schedule.key === 'daily-full-sync')).toMatchObject({ source: 'code', status: 'inactive' });

    const again = await applyImport(target, planFromDocument(document, 'export.json'));
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 10 });
  });
});

describe('import crontab', () => {
  test('re-importing an unchanged crontab, or one with comments added, changes nothing', async () => {
    const hg = await env.create({ jobs, builtinJobs });
    const first = await applyImport(hg, parseCrontab(crontab, { file: 'app' }));
    expect(first).toMatchObject({ read: 4, created: 3, rejected: 1 });
    expect(first.rows.find((row) => row.action === 'reject')?.reason).toBe('unsupported: @reboot runs at boot, not on a schedule');
    const schedules = await listAll(hg);
    expect(schedules.map((schedule) => [schedule.name, schedule.status, schedule.source, schedule.timezone])).toEqual([
      ['backup.sh --full', 'inactive', 'import', 'UTC'],
      ['curl -fsS https://example.com/ping', 'inactive', 'import', 'Europe/Paris'],
      ['rotate-logs', 'inactive', 'import', 'Europe/Paris'],
    ]);

    expect(await applyImport(hg, parseCrontab(crontab, { file: 'app' }))).toMatchObject({ created: 0, updated: 0, unchanged: 3, rejected: 1 });
    const commented = `# crontab of the app server\n\n${crontab.replace('@hourly', '# rotate every hour\n@hourly')}`;
    expect(await applyImport(hg, parseCrontab(commented, { file: 'app' }))).toMatchObject({ created: 0, updated: 0, unchanged: 3 });

    const retimed = await applyImport(hg, parseCrontab(crontab.replace('0 2 * * *', '0 3 * * *'), { file: 'app' }));
    expect(retimed).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    expect(retimed.rows.find((row) => row.action === 'update')?.changes).toEqual(['cron_expression']);
    expect(await listAll(hg)).toHaveLength(3);
  });
});

describe('hourglass export', () => {
  test('writes every schedule as a document to stdout or a file, which imports back unchanged', { timeout: 120_000 }, async () => {
    const database = freshDatabase();
    const config = 'test/fixtures/cli.config.ts';
    const open = () => createHourglass({ ...cliConfig, ...database.config, logLevel: 'silent', scheduler: { enabled: false }, worker: { enabled: false } });
    const setup = open();
    try {
      await setup.start(); // syncs the code-defined schedule
      await setup.schedules.create({ name: 'Greet acme', tenantId: 'acme', jobType: 'greet', cronExpression: '0 9 * * 1', timezone: 'America/New_York', payload: { who: 'acme' } });
      await setup.schedules.create({ name: 'Tick every minute', jobType: 'tick-tock', intervalSeconds: 60, isActive: false });
    } finally {
      await setup.stop();
    }

    const printed = await runCli(['export', '--config', config], database.env);
    expect(printed.code).toBe(0);
    const document = JSON.parse(printed.stdout) as ExportDocument;
    expect(document.hourglass_export).toBe(1);
    expect(document.schedules.map((schedule) => [schedule.name, schedule.source, schedule.tenant_id])).toEqual([
      ['Greet acme', 'api', 'acme'],
      ['Greet the new year', 'code', null],
      ['Tick every minute', 'api', null],
    ]);
    expect(printed.stdout).toMatch(/^\{\n {2}"hourglass_export": 1,/); // pretty

    const dir = mkdtempSync(join(tmpdir(), 'hourglass-export-'));
    try {
      const file = join(dir, 'export.json');
      const written = await runCli(['export', '--output', file, '--config', config], database.env);
      expect(written.code).toBe(0);
      expect(written.stdout).toBe(`Exported 3 schedules to ${file}.\n`);
      const fromFile = JSON.parse(readFileSync(file, 'utf8')) as ExportDocument;
      expect(fromFile.schedules).toEqual(document.schedules);
      const confirmed = await runCli(['export', '-o', file, '--json', '--config', config], database.env);
      expect(JSON.parse(confirmed.stdout)).toMatchObject({ file, schedules: 3 });

      const unwritable = await runCli(['export', '--output', join(dir, 'missing', 'export.json'), '--config', config], database.env);
      expect(unwritable.code).toBe(1);
      expect(unwritable.stderr).toContain('cannot write');
      expect((await runCli(['export', 'extra', '--config', config], database.env)).code).toBe(2);

      const imported = await runCli(['import', 'json', file, '--json', '--config', config], database.env);
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ read: 3, created: 0, updated: 0, unchanged: 3, rejected: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const check = open();
    try {
      const report = await applyImport(check, planFromDocument(document, 'export.json'));
      expect(report).toMatchObject({ read: 3, created: 0, updated: 0, unchanged: 3, rejected: 0 });
    } finally {
      await check.stop();
    }
  });
});
