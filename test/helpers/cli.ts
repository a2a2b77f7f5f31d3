/**
 * Running the built `hourglass` binary as a subprocess, for CLI smoke tests, and a fresh
 * database of the current backend for it (`cliTestKit`). Processes listen on a random port
 * (`HOURGLASS_PORT=0`) unless a test says otherwise, so `start` and `api` never collide.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { afterEach } from 'vitest';
import { currentBackend, testDatabaseUrl, uniqueSchemaName } from './db.js';

export const cliPath = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<CliResult>;
}

export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): CliProcess {
  // An undefined value removes the variable (spawn would pass the string "undefined").
  const merged: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'info', HOURGLASS_PORT: '0', ...env, FORCE_COLOR: '0' };
  const childEnv = Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: projectRoot,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, output: () => stdout + stderr, exited };
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<CliResult> {
  const cli = spawnCli(args, env);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs);
  return cli.exited.finally(() => clearTimeout(timer));
}

/** A database of the current backend for CLI processes: their environment, a config for an in-process instance, and SQL. */
export interface CliDatabase {
  env: Record<string, string | undefined>;
  /** Config for `createHourglass` on the same database (PGlite: only while no process holds it). */
  config: { databaseUrl?: string; dataDir?: string; schema?: string };
  /** SQL with `hourglass.` as the schema (PGlite: only while no process holds the directory). */
  sql<T>(text: string): Promise<T[]>;
}

/**
 * Fresh databases and tracked processes for one test file: after each test, processes still
 * running are killed and the databases dropped.
 */
export function cliTestKit() {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function freshDatabase(): CliDatabase {
    if (currentBackend() === 'postgres') {
      const schema = uniqueSchemaName();
      const query = async <T>(text: string): Promise<T[]> => {
        const client = new pg.Client({ connectionString: testDatabaseUrl() });
        await client.connect();
        try {
          return (await client.query(text)).rows as T[];
        } finally {
          await client.end();
        }
      };
      cleanups.push(async () => void (await query(`drop schema if exists "${schema}" cascade`)));
      return {
        env: { DATABASE_URL: testDatabaseUrl(), HOURGLASS_SCHEMA: schema },
        config: { databaseUrl: testDatabaseUrl(), schema },
        sql: (text) => query(text.replaceAll('hourglass.', `"${schema}".`)),
      };
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'hourglass-cli-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    return {
      env: { DATABASE_URL: undefined, HOURGLASS_DATA_DIR: dataDir },
      config: { dataDir },
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

  /** Kills `cli` after the test if it still runs. */
  function track(cli: CliProcess): CliProcess {
    cleanups.push(async () => {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
      await cli.exited;
    });
    return cli;
  }

  /** Sends SIGTERM and waits for the exit (SIGKILL after `timeoutMs`). */
  async function stop(cli: CliProcess, timeoutMs = 20_000): Promise<CliResult> {
    cli.child.kill('SIGTERM');
    const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs);
    try {
      return await cli.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  return { freshDatabase, track, stop };
}
