import { describe, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentBackend } from '../helpers/db.js';
import { cliTestKit, runCli, spawnCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const config = 'test/fixtures/cli.config.ts';
const { freshDatabase, track, stop } = cliTestKit();

describe('hourglass cron', () => {
  test('prints the description and next slots in UTC and in the zone', async () => {
    const result = await runCli(['cron', '30 2 * * *', '--tz', 'America/New_York', '-n', '3', '--from', '2026-03-07T00:00:00Z']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('At 02:30 AM');
    expect(result.stdout).toContain('2026-03-08T07:00:00.000Z');
    expect(result.stdout).toContain('2026-03-08 03:00:00 EDT');
  });

  test('prints JSON with --json', async () => {
    const result = await runCli(['cron', '0 * * * *', '--json', '-n', '2', '--from', '2026-01-01T00:30:00Z']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ description: 'Every hour', next_runs: ['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z'] });
  });

  test('exits 2 with the reason on stderr for an invalid expression or zone', async () => {
    const badCron = await runCli(['cron', '61 * * * *']);
    expect(badCron.code).toBe(2);
    expect(badCron.stderr).toMatch(/cron/i);
    expect(badCron.stdout).toBe('');
    const badZone = await runCli(['cron', '* * * * *', '--tz', 'Mars/Olympus']);
    expect(badZone.code).toBe(2);
    expect(badZone.stderr).toContain('Mars/Olympus');
    const sevenFields = await runCli(['cron', '0 0 0 1 1 * 2030']);
    expect(sevenFields.code).toBe(2);
  });
});

describe('hourglass migrate, tick and start', () => {
  test('migrate creates the schema, tick fires due schedules, start runs them until SIGINT', { timeout: 120_000 }, async () => {
    const database = freshDatabase();
    const migrated = await runCli(['migrate', '--config', config], database.env);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/is at migration \d+/);

    // The code-defined schedule is synced by `start`; run it once to create it, then make it due.
    const first = track(spawnCli(['start', '--config', config], database.env));
    await waitFor(() => first.output().includes('hourglass started'), { timeoutMs: 60_000, message: 'start' });
    first.child.kill('SIGINT');
    const stopped = await first.exited;
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain('hourglass stopped');

    await database.sql(`update hourglass.scheduled_jobs set next_run_at = now() - interval '5 seconds' where key = 'greet-new-year'`);
    const ticked = await runCli(['tick', '--drain', '--json', '--config', config], database.env);
    expect(ticked.code).toBe(0);
    expect(JSON.parse(ticked.stdout)).toMatchObject({ schedules: 1, runs: 1 });
    if (currentBackend() === 'pglite') {
      // Following a pending run cannot work while the follower holds the embedded database.
      const pending = JSON.parse((await runCli(['runs', 'ls', '--status', 'pending', '--json', '--config', config], database.env)).stdout);
      const stuck = await runCli(['runs', 'logs', pending[0].id, '-f', '--config', config], database.env);
      expect(stuck.code).toBe(1);
      expect(stuck.stderr).toContain('holds the embedded database');
    }

    const second = track(spawnCli(['start', '--config', config], database.env));
    await waitFor(() => second.output().includes('run completed'), { timeoutMs: 60_000, message: 'the ticked run to complete' });
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    const runs = await database.sql<{ status: string; trigger: string }>(`select status, trigger from hourglass.job_runs`);
    expect(runs).toContainEqual({ status: 'completed', trigger: 'cron' });

    // The operator's verbs, while no process holds the database.
    const listed = await runCli(['schedules', 'ls', '--json', '--config', config], database.env);
    expect(JSON.parse(listed.stdout).map((schedule: { key: string }) => schedule.key)).toEqual(['greet-new-year']);
    const paused = await runCli(['schedules', 'pause', 'greet-new-year', '--note', 'maintenance window', '--json', '--config', config], database.env);
    expect(JSON.parse(paused.stdout)).toMatchObject({ status: 'paused', pause_note: 'maintenance window' });
    const removed = await runCli(['schedules', 'rm', 'greet-new-year', '--config', config], database.env);
    expect(removed.code).toBe(1);
    expect(removed.stderr).toContain('defined in code');
    const history = await runCli(['runs', 'ls', '--status', 'completed', '--json', '--config', config], database.env);
    expect(JSON.parse(history.stdout)).toHaveLength(1);
    // Following a finished run prints its lines and ends at once.
    const followed = await runCli(['runs', 'logs', JSON.parse(history.stdout)[0].id, '-f', '--config', config], database.env);
    expect(followed).toMatchObject({ code: 0, stderr: '' });
    expect(followed.stdout).toMatch(/info\s+hello from attempt 1/);
    const audit = await database.sql<{ actor: string; action: string }>(`select actor, action from hourglass.audit_log where action = 'schedule.pause'`);
    expect(audit[0]!.actor).toMatch(/^cli:/);
  });

  test('a bad config path exits 2 and names the file', async () => {
    const result = await runCli(['tick', '--config', 'does/not/exist.ts'], freshDatabase().env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('does/not/exist.ts');
  });
});

describe('hourglass schedules and runs', () => {
  // Many subprocesses, each opening the database: more time than the default.
  test('exit codes: 3 for what does not exist, 2 for bad input naming the field, 1 for a conflict', { timeout: 120_000 }, async () => {
    const { env } = freshDatabase();
    const unknownSchedule = await runCli(['schedules', 'show', 'unknown-key', '--config', config], env);
    expect(unknownSchedule.code).toBe(3);
    expect(unknownSchedule.stderr).toContain('schedule "unknown-key" not found');
    const unknownRun = await runCli(['runs', 'show', randomUUID(), '--config', config], env);
    expect(unknownRun.code).toBe(3);
    const badCron = await runCli(['schedules', 'create', '--name', 'Bad', '--job-type', 'greet', '--cron', '61 * * * *', '--config', config], env);
    expect(badCron).toMatchObject({ code: 2, stdout: '' });
    expect(badCron.stderr).toContain('cron_expression (--cron)');
    const twoTimings = await runCli(['schedules', 'create', '--name', 'Bad', '--job-type', 'greet', '--cron', '0 * * * *', '--every', '60', '--config', config], env);
    expect(twoTimings.code).toBe(2);
    const wrongFlag = await runCli(['schedules', 'ls', '--cron', '0 * * * *', '--config', config], env);
    expect(wrongFlag.code).toBe(2);
    expect(wrongFlag.stderr).toContain('--cron does not apply to "ls"');
    const unknownVerb = await runCli(['runs', 'frobnicate', '--config', config], env);
    expect(unknownVerb.code).toBe(2);
  });

  test('schedules create from flags and from a file (the API body), then ls shows them', { timeout: 120_000 }, async () => {
    const { env } = freshDatabase();
    const args = ['--name', 'Hourly greet', '--key', 'hourly-greet', '--job-type', 'greet', '--cron', '0 * * * *', '--tz', 'Europe/Paris', '--payload', '{"who":"ops"}'];
    const created = await runCli(['schedules', 'create', ...args, '--json', '--config', config], env);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ key: 'hourly-greet', status: 'active', cron_expression: '0 * * * *', timezone: 'Europe/Paris', payload: { who: 'ops' }, created_by: expect.stringMatching(/^cli:/) });
    const duplicate = await runCli(['schedules', 'create', ...args, '--config', config], env);
    expect(duplicate.code).toBe(1);

    const dir = mkdtempSync(join(tmpdir(), 'hourglass-schedule-'));
    try {
      const file = join(dir, 'schedule.json');
      writeFileSync(file, JSON.stringify({ name: 'Nightly batch', key: 'nightly', job_types: ['greet', 'tick-tock'], cron_expression: '0 2 * * *', is_active: false }));
      const fromFile = await runCli(['schedules', 'create', '--file', file, '--config', config], env);
      expect(fromFile.code).toBe(0);
      expect(fromFile.stdout).toMatch(/nightly\s+Nightly batch\s+inactive\s+0 2 \* \* \*/);
      writeFileSync(file, JSON.stringify({ name: 'Typo', job_type: 'greet', cron_expresion: '0 2 * * *' }));
      const typo = await runCli(['schedules', 'create', '--file', file, '--config', config], env);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain('cron_expresion');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const listed = await runCli(['schedules', 'ls', '--json', '--config', config], env);
    expect(JSON.parse(listed.stdout).map((schedule: { key: string }) => schedule.key).sort()).toEqual(['hourly-greet', 'nightly']);
    const table = await runCli(['schedules', 'ls', '--config', config], env);
    expect(table.stdout).toMatch(/hourly-greet\s+Hourly greet\s+active\s+0 \* \* \* \*\s+Europe\/Paris/);
  });
});

// A follower and a worker at once: two processes on one database, so PostgreSQL only.
describe.runIf(currentBackend() === 'postgres')('hourglass runs logs -f', () => {
  test('follows a run from pending to completed and exits 0; Ctrl-C also exits 0', async () => {
    const database = freshDatabase();
    const cli = (...args: string[]) => runCli([...args, '--config', config], database.env);
    const created = await cli('schedules', 'create', '--name', 'Ticks', '--key', 'ticks', '--job-type', 'tick-tock', '--every', '3600', '--inactive', '--payload', '{"lines":4,"interval_ms":300}');
    expect(created.code).toBe(0);
    const triggered = await cli('schedules', 'trigger', 'ticks');
    const runId = JSON.parse(triggered.stdout).runs[0].id as string;

    // No worker yet: both followers wait on a pending run.
    const follower = track(spawnCli(['runs', 'logs', runId, '-f', '--config', config], database.env));
    const interrupted = track(spawnCli(['runs', 'logs', runId, '--follow', '--config', config], database.env));
    await waitFor(() => follower.output().includes('following run') && interrupted.output().includes('following run'), { timeoutMs: 30_000, message: 'the followers to wait' });
    interrupted.child.kill('SIGINT');
    expect((await interrupted.exited).code).toBe(0);

    const worker = track(spawnCli(['worker', '--config', config], database.env));
    const followed = await follower.exited;
    expect(followed.code).toBe(0);
    expect(followed.stdout.trim().split('\n').map((line) => line.replace(/^\S+\s+info\s+/, ''))).toEqual(['tick 1 of 4', 'tick 2 of 4', 'tick 3 of 4', 'tick 4 of 4']);
    const shown = await cli('runs', 'show', runId, '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'completed' });
    expect((await stop(worker)).code).toBe(0);
  });
});

describe.runIf(currentBackend() === 'pglite')('the embedded database belongs to one process', () => {
  test('a second command on a held data directory says who holds it and exits 1', async () => {
    const database = freshDatabase();
    const holder = track(spawnCli(['start', '--config', config], database.env));
    await waitFor(() => holder.output().includes('hourglass started'), { timeoutMs: 60_000, message: 'start' });
    const second = await runCli(['tick', '--config', config], database.env);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`in use by process ${holder.child.pid}`);
    holder.child.kill('SIGINT');
    expect((await holder.exited).code).toBe(0);
  });
});
