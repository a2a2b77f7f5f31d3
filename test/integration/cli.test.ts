import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { currentBackend, testDatabaseUrl, uniqueSchemaName } from '../helpers/db.js';
import { runCli, spawnCli, type CliProcess } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const config = 'test/fixtures/cli.config.ts';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Environment pointing the CLI at a fresh database of the current backend, and a SQL helper for it. */
function freshDatabase() {
  if (currentBackend() === 'postgres') {
    const schema = uniqueSchemaName();
    cleanups.push(async () => {
      const client = new pg.Client({ connectionString: testDatabaseUrl() });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    });
    return {
      env: { DATABASE_URL: testDatabaseUrl(), HOURGLASS_SCHEMA: schema },
      async sql<T>(text: string): Promise<T[]> {
        const client = new pg.Client({ connectionString: testDatabaseUrl() });
        await client.connect();
        try {
          return (await client.query(text.replaceAll('hourglass.', `"${schema}".`))).rows as T[];
        } finally {
          await client.end();
        }
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'hourglass-cli-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  return {
    env: { DATABASE_URL: undefined, HOURGLASS_DATA_DIR: dataDir },
    // Only while no Hourglass process holds the directory.
    async sql<T>(text: string): Promise<T[]> {
      const db = new PGlite(dataDir);
      try {
        return (await db.query<T>(text)).rows;
      } finally {
        await db.close();
      }
    },
  };
}

function track(cli: CliProcess): CliProcess {
  cleanups.push(async () => {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    await cli.exited;
  });
  return cli;
}

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
  test('migrate creates the schema, tick fires due schedules, start runs them until SIGINT', async () => {
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
    expect(JSON.parse(paused.stdout)).toMatchObject({ status: 'paused', pauseNote: 'maintenance window' });
    const removed = await runCli(['schedules', 'rm', 'greet-new-year', '--config', config], database.env);
    expect(removed.code).toBe(1);
    expect(removed.stderr).toContain('defined in code');
    const history = await runCli(['runs', 'ls', '--status', 'completed', '--json', '--config', config], database.env);
    expect(JSON.parse(history.stdout)).toHaveLength(1);
    const audit = await database.sql<{ actor: string; action: string }>(`select actor, action from hourglass.audit_log where action = 'schedule.pause'`);
    expect(audit[0]!.actor).toMatch(/^cli:/);
  });

  test('a bad config path exits 2 and names the file', async () => {
    const result = await runCli(['tick', '--config', 'does/not/exist.ts'], freshDatabase().env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('does/not/exist.ts');
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
