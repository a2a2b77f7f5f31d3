/**
 * Hourglass processes for multi-process tests: spawns the built CLI
 * (`node dist/cli/main.js <role> --config test/fixtures/<file>`) against the test database,
 * collects its output (pino JSON lines on stdout), and stops it with a signal.
 *
 * Every process carries an `application_name` of its own in its connection string, so a test
 * can drop exactly its processes' connections (`terminateBackends`) while other test files use
 * the same server. `trackProcesses()` kills whatever a test left running after each test, also
 * when the test failed.
 *
 * The CLI runs from `dist/`: build first (`npm run build`; `npm test` does it).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { afterEach } from 'vitest';
import type { Queryable } from '../../src/db/database.js';
import { testDatabaseUrl } from './db.js';
import { waitFor } from './wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const cliPath = join(root, 'dist', 'cli', 'main.js');

export function fixturePath(name: string): string {
  return join(root, 'test', 'fixtures', name);
}

/** A unique `application_name` for one test's processes. */
export function uniqueApplicationName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** The test database URL with `application_name` set (node-postgres honours it). */
export function databaseUrlFor(applicationName: string): string {
  const url = new URL(testDatabaseUrl());
  url.searchParams.set('application_name', applicationName);
  return url.toString();
}

/** One pino line as the CLI writes it (JSON when stdout is not a terminal). */
export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HourglassProcess {
  readonly label: string;
  readonly pid: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines so far. */
  logs(): LogLine[];
  /** Log lines whose message is `msg`. */
  logsWith(msg: string): LogLine[];
  /** The first log line matching `predicate`, waiting for it with a deadline. */
  waitForLog(predicate: (line: LogLine) => boolean, options?: { timeoutMs?: number; message?: string }): Promise<LogLine>;
  /** Waits for the `hourglass started` line and returns this process's `workers` id. */
  waitUntilStarted(timeoutMs?: number): Promise<string>;
  isRunning(): boolean;
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitStatus>;
  /** Sends `signal` and waits for the exit (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitStatus>;
}

export interface SpawnOptions {
  role: 'scheduler' | 'worker' | 'start';
  /** File name under test/fixtures. */
  config: string;
  schema: string;
  applicationName: string;
  /** A name for messages; default `<role>`. */
  label?: string;
  logLevel?: string;
  env?: Record<string, string>;
}

export function spawnHourglass(options: SpawnOptions): HourglassProcess {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
  const label = options.label ?? options.role;
  const child = spawn(process.execPath, [cliPath, options.role, '--config', fixturePath(options.config)], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrlFor(options.applicationName),
      HOURGLASS_SCHEMA: options.schema,
      LOG_LEVEL: options.logLevel ?? 'info',
      // `start` serves the API: a random port, so processes and test files never collide.
      HOURGLASS_PORT: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let partial = '';
  const lines: LogLine[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  let running = true;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.on('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });

  const handle: HourglassProcess = {
    label,
    pid: child.pid!,
    output: () => output,
    logs: () => [...lines],
    logsWith: (msg) => lines.filter((line) => line.msg === msg),
    waitForLog(predicate, { timeoutMs = 30_000, message } = {}) {
      return waitFor(
        () => {
          const found = lines.find(predicate);
          if (!found && !running) throw new Error(`${label} exited; output:\n${output.slice(-4000)}`);
          return found;
        },
        { timeoutMs, intervalMs: 20, message: `${label}: ${message ?? 'a log line'}` },
      );
    },
    async waitUntilStarted(timeoutMs = 30_000) {
      const line = await handle.waitForLog((entry) => entry.msg === 'hourglass started', { timeoutMs, message: 'hourglass started' });
      return line.workerId as string;
    },
    isRunning: () => running,
    kill(signal) {
      if (running) child.kill(signal);
    },
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      handle.kill(signal);
      const timer = setTimeout(() => handle.kill('SIGKILL'), timeoutMs);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
  };
  return handle;
}

/** Spawns through the returned function; every process still running after a test is killed. */
export function trackProcesses(): (options: SpawnOptions) => HourglassProcess {
  const spawned: HourglassProcess[] = [];
  afterEach(async () => {
    const current = spawned.splice(0);
    await Promise.all(current.map((child) => child.stop('SIGKILL', 5000)));
  });
  return (options) => {
    const child = spawnHourglass(options);
    spawned.push(child);
    return child;
  };
}

/** Throws (with the output's tail) if any of `processes` has exited: for checks inside `waitFor`. */
export function assertRunning(...processes: HourglassProcess[]): void {
  for (const child of processes) {
    if (!child.isRunning()) throw new Error(`${child.label} exited; output:\n${child.output().slice(-4000)}`);
  }
}

/** Drops every connection whose `application_name` is `applicationName`; returns how many. */
export async function terminateBackends(db: Queryable, applicationName: string): Promise<number> {
  const { rows } = await db.query<{ terminated: boolean }>(
    `select pg_terminate_backend(pid) as terminated
     from pg_stat_activity
     where application_name = $1 and pid <> pg_backend_pid()`,
    [applicationName],
  );
  return rows.filter((row) => row.terminated).length;
}

/** How many connections with `applicationName` the server has now. */
export async function countBackends(db: Queryable, applicationName: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where application_name = $1', [applicationName]);
  return rows[0]!.n;
}

/** The database clock. */
export async function databaseNow(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>('select clock_timestamp() as now');
  return rows[0]!.now;
}

/** Log messages of a loop losing the database, and of it coming back. */
export const lossMessages = ['scheduler tick failed', 'claiming runs failed', 'heartbeat failed', 'lost the LISTEN connection; polling until it is back'];
export const recoveryMessages = ['database reachable again; scheduler resumed', 'database reachable again; worker resumed', 'heartbeat restored', 'LISTEN connection restored'];

/** How often `child` logged each of `messages`. */
export function countLogs(child: HourglassProcess, messages: readonly string[]): number[] {
  return messages.map((message) => child.logsWith(message).length);
}
