/**
 * `hourglass doctor`: a healthy running instance passes every check; each problem made by SQL
 * (a lapsed lease, a late schedule, a silent process, a failed delivery, a missing or newer
 * schema) turns the right check to warn or fail; the binary exits 1 on a failure, 0 on
 * warnings alone. Thresholds of the pure decisions are covered at the end.
 */
import { describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import { resolveConfig } from '../../src/config/load.js';
import { migrations } from '../../src/db/migrations.generated.js';
import { runDoctor } from '../../src/doctor/doctor.js';
import { decideClockSkew, doctorExitCode, type CheckResult } from '../../src/doctor/checks.js';
import { setupTestDatabase, uniqueSchemaName } from '../helpers/db.js';
import { cliTestKit, runCli } from '../helpers/cli.js';

const env = setupTestDatabase();
const jobs = [defineJob({ name: 'sync', async run() {} })];

function statuses(results: readonly CheckResult[]): Record<string, string> {
  return Object.fromEntries(results.map((result) => [result.check, result.status]));
}

function find(results: readonly CheckResult[], check: string): CheckResult {
  const result = results.find((item) => item.check === check);
  if (!result) throw new Error(`no check ${check}`);
  return result;
}

describe('doctor on a database', () => {
  test('a healthy running instance: every check ok', async () => {
    const hg = await env.create({ jobs, scheduler: { enabled: true }, worker: { enabled: true } });
    await hg.start();
    await hg.schedules.create({ name: 'Hourly', jobType: 'sync', cronExpression: '0 * * * *' });
    const results = await runDoctor(hg.config, { database: env.db() });
    expect(statuses(results)).toEqual({
      database: 'ok',
      migrations: 'ok',
      'clock-skew': 'ok',
      schedulers: 'ok',
      workers: 'ok',
      'stuck-runs': 'ok',
      'late-schedules': 'ok',
      notifications: 'ok',
    });
    expect(doctorExitCode(results)).toBe(0);
  });

  test('a lapsed lease, a late schedule, a silent process and a failed delivery: warnings', async () => {
    const hg = await env.create({ jobs });
    const s = `"${hg.config.schema}"`;
    const db = env.db();
    const schedule = await hg.schedules.create({ name: 'Nightly', jobType: 'sync', cronExpression: '0 2 * * *' });
    await db.query(`update ${s}.scheduled_jobs set next_run_at = now() - interval '1 hour' where id = $1`, [schedule.id]);
    const run = await hg.runs.enqueue({ jobType: 'sync' });
    await db.query(
      `update ${s}.job_runs set status = 'running', attempt = 1, started_at = now() - interval '2 hours',
         worker_id = gen_random_uuid(), lease_expires_at = now() - interval '1 hour' where id = $1`,
      [run.id],
    );
    await db.query(
      `insert into ${s}.workers (id, role, hostname, pid, version, concurrency, heartbeat_at)
       values (gen_random_uuid(), 'all', 'gone-host', 4242, '0.0.0', 4, now() - interval '1 hour')`,
    );
    await db.query(`insert into ${s}.notification_deliveries (rule, channel, status, attempts, last_error) values ('run_failed', 'webhook', 'failed', 5, 'HTTP 500')`);

    const results = await runDoctor(hg.config, { database: db });
    expect(statuses(results)).toEqual({
      database: 'ok',
      migrations: 'ok',
      'clock-skew': 'ok',
      schedulers: 'warn',
      workers: 'warn',
      'stuck-runs': 'warn',
      'late-schedules': 'warn',
      notifications: 'warn',
    });
    expect(find(results, 'schedulers').finding).toContain('1 not stopped but silent');
    expect(find(results, 'stuck-runs').finding).toMatch(/^1 running run\(s\) past their lease; the oldest \(sync\) lapsed 60m ago/);
    expect(find(results, 'stuck-runs').remedy).toContain('hourglass tick');
    expect(find(results, 'late-schedules').finding).toContain('"Nightly"');
    expect(find(results, 'notifications').finding).toContain('webhook: HTTP 500');
    expect(results.every((result) => result.status === 'ok' || result.remedy !== '')).toBe(true);
    expect(doctorExitCode(results)).toBe(0);
  });

  test('a schema without migrations fails and skips the checks that need tables', async () => {
    const config = resolveConfig({ schema: uniqueSchemaName(), logLevel: 'silent' });
    const results = await runDoctor(config, { database: env.db() });
    expect(find(results, 'migrations')).toMatchObject({ status: 'fail', remedy: expect.stringContaining('hourglass migrate') });
    expect(find(results, 'migrations').finding).toContain(`${migrations.length} migration(s) pending`);
    expect(find(results, 'workers').status).toBe('skip');
    expect(doctorExitCode(results)).toBe(1);
    await env.db().query(`drop schema if exists "${config.schema}" cascade`);
  });

  test('a database newer than the code fails', async () => {
    const hg = await env.create({ jobs });
    const results = await runDoctor(hg.config, { database: env.db(), migrations: migrations.slice(0, 1) });
    expect(find(results, 'migrations')).toMatchObject({ status: 'fail', remedy: expect.stringContaining('upgrade Hourglass') });
    expect(find(results, 'migrations').finding).toContain('newer than this Hourglass');
  });
});

describe('clock skew thresholds', () => {
  test('ok up to 2 s, warn up to 30 s, fail beyond', () => {
    expect(decideClockSkew(1_500).status).toBe('ok');
    expect(decideClockSkew(-2_500).status).toBe('warn');
    expect(decideClockSkew(-2_500).finding).toContain('2.5s ahead of');
    expect(decideClockSkew(31_000).status).toBe('fail');
  });
});

describe('the doctor command', () => {
  const kit = cliTestKit();

  test('exits 1 before migrations, 0 with warnings only, and prints {check, status, finding, remedy} with --json', async () => {
    const database = kit.freshDatabase();
    const before = await runCli(['doctor', '--json'], database.env);
    expect(before.code).toBe(1);
    const failed = JSON.parse(before.stdout) as CheckResult[];
    expect(failed.some((result) => result.status === 'fail')).toBe(true);

    expect((await runCli(['migrate'], database.env)).code).toBe(0);
    const after = await runCli(['doctor', '--json'], database.env);
    expect(after.code, after.stderr).toBe(0);
    const results = JSON.parse(after.stdout) as CheckResult[];
    for (const result of results) expect(Object.keys(result).sort()).toEqual(['check', 'finding', 'remedy', 'status']);
    expect(statuses(results)).toMatchObject({ database: 'ok', migrations: 'ok', schedulers: 'warn', workers: 'warn' });

    const table = await runCli(['doctor'], database.env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^CHECK\s+STATUS\s+FINDING/);
    expect(table.stdout).toContain('Remedies:');
  });
});
