/**
 * A cluster of Hourglass processes on one schema, for the multi-process tests (test/postgres,
 * test/restart, test/chaos): an in-process `owner` instance that made and migrated the schema
 * (the test enqueues and reads through it), and separate `hourglass <role>` processes of the
 * built CLI on the same schema, all with one `application_name` so the test can drop exactly
 * their connections.
 *
 * `setupCluster(env)` registers its process cleanup after the database's, so every process is
 * killed before the schema is dropped (after-hooks unwind as a stack), also when a test fails.
 */
import { expect } from 'vitest';
import type { Hourglass } from '../../src/hourglass.js';
import type { Database } from '../../src/db/database.js';
import type { JobDefinition } from '../../src/define.js';
import type { TestDatabase } from './db.js';
import { countBackends, databaseNow, terminateBackends, trackProcesses, uniqueApplicationName, type HourglassProcess, type SpawnOptions } from './processes.js';
import { waitFor } from './wait.js';
import { fixtureJobs } from '../fixtures/jobs.js';

export interface ClusterOptions {
  /** Prefix of the processes' `application_name`. */
  name: string;
  /** Fixture config of the processes. @default 'cluster.config.ts' */
  config?: string;
  /** Job types of the owner instance (what the test may enqueue). @default fixtureJobs */
  jobs?: JobDefinition<any>[];
  /** Environment of every process. */
  env?: Record<string, string>;
}

export interface MemberOptions {
  label?: string;
  /** Added to the cluster's environment for this process. */
  env?: Record<string, string>;
}

export interface Cluster {
  readonly owner: Hourglass;
  readonly schema: string;
  readonly db: Database;
  readonly applicationName: string;
  /** Spawns one process; it is a member until stopped or killed through the cluster. */
  spawn(role: SpawnOptions['role'], options?: MemberOptions): HourglassProcess;
  /** Spawns `count` processes (labels `<role> 1`, …) and waits until each has started (and announced itself). */
  start(role: SpawnOptions['role'], count: number, options?: MemberOptions): Promise<HourglassProcess[]>;
  /** Processes spawned and not stopped or killed through the cluster. */
  members(): HourglassProcess[];
  /** Throws (with the output's tail) if a member has exited: for checks inside `waitFor`. */
  assertRunning(): void;
  /** SIGKILL: no shutdown, no hand-back. Resolves once the process is gone. */
  kill(member: HourglassProcess): Promise<void>;
  /** SIGTERM to each (together), expecting a clean exit from each. @default every member */
  stopGracefully(processes?: HourglassProcess[]): Promise<void>;
  /** Drops every connection of the cluster's processes; returns how many. */
  terminateBackends(): Promise<number>;
  countBackends(): Promise<number>;
  /** The database clock. */
  now(): Promise<Date>;
  /** Waits until the database clock has passed `instant`; returns the database time then. */
  waitForDatabaseTime(instant: Date): Promise<Date>;
  /** `count(*)` of the schema's `job_runs` matching `where` (with `$1`, … from `params`). */
  countRuns(where: string, params?: unknown[]): Promise<number>;
  /** The runs a worker holds (executing, queued or awaiting their outcome): id → lease expiry. */
  heldRuns(workerId: string): Promise<Map<string, Date>>;
  /**
   * Waits (members running) until no run matching `where` is pending or running; returns how
   * many runs ended in each status.
   */
  settleRuns(where: string, params?: unknown[], timeoutMs?: number): Promise<Record<string, number>>;
}

export interface Clusters {
  create(options: ClusterOptions): Promise<Cluster>;
}

export function setupCluster(env: TestDatabase): Clusters {
  const spawnTracked = trackProcesses();
  return {
    async create(options) {
      const owner = await env.create({ jobs: options.jobs ?? fixtureJobs });
      const schema = owner.config.schema;
      const db = env.db();
      const applicationName = uniqueApplicationName(options.name);
      const members = new Set<HourglassProcess>();
      const leave = (member: HourglassProcess) => members.delete(member);

      const cluster: Cluster = {
        owner,
        schema,
        db,
        applicationName,
        spawn(role, member = {}) {
          const child = spawnTracked({
            role,
            config: options.config ?? 'cluster.config.ts',
            schema,
            applicationName,
            label: member.label,
            env: { ...options.env, ...member.env },
          });
          members.add(child);
          return child;
        },
        async start(role, count, member = {}) {
          const started = Array.from({ length: count }, (_, index) => cluster.spawn(role, { ...member, label: `${member.label ?? role} ${index + 1}` }));
          await Promise.all(started.map((child) => child.waitUntilStarted()));
          return started;
        },
        members: () => [...members],
        assertRunning() {
          for (const child of members) {
            if (!child.isRunning()) throw new Error(`${child.label} exited; output:\n${child.output().slice(-4000)}`);
          }
        },
        async kill(member) {
          leave(member);
          member.kill('SIGKILL');
          await member.exited;
        },
        async stopGracefully(processes = [...members]) {
          processes.forEach(leave);
          const statuses = await Promise.all(processes.map((child) => child.stop('SIGTERM')));
          for (const [index, child] of processes.entries()) {
            expect(statuses[index], `${child.label} exit\n${child.output().slice(-2000)}`).toEqual({ code: 0, signal: null });
          }
        },
        terminateBackends: () => terminateBackends(db, applicationName),
        countBackends: () => countBackends(db, applicationName),
        now: () => databaseNow(db),
        waitForDatabaseTime(instant) {
          return waitFor(
            async () => {
              const now = await databaseNow(db);
              return now.getTime() >= instant.getTime() ? now : null;
            },
            { timeoutMs: Math.max(0, instant.getTime() - Date.now()) + 30_000, intervalMs: 100, message: `database time ${instant.toISOString()}` },
          );
        },
        async countRuns(where, params = []) {
          const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from "${schema}".job_runs where ${where}`, params);
          return rows[0]!.n;
        },
        async heldRuns(workerId) {
          const { rows } = await db.query<{ id: string; lease_expires_at: Date }>(
            `select id, lease_expires_at from "${schema}".job_runs where worker_id = $1 and status = 'running'`,
            [workerId],
          );
          return new Map(rows.map((row) => [row.id, row.lease_expires_at]));
        },
        settleRuns(where, params = [], timeoutMs = 60_000) {
          return waitFor(
            async () => {
              cluster.assertRunning();
              const { rows } = await db.query<{ status: string; n: number }>(
                `select status, count(*)::int as n from "${schema}".job_runs where ${where} group by status`,
                params,
              );
              const counts = Object.fromEntries(rows.map((row) => [row.status, row.n]));
              return counts.pending || counts.running ? null : counts;
            },
            { timeoutMs, intervalMs: 100, message: `runs (${where}) to end` },
          );
        },
      };
      return cluster;
    },
  };
}
