/**
 * Chaos scenario 3, database outages under load: twice, while `hourglass start` processes fire
 * per-second slots and execute runs, every one of their connections is cut. The processes must
 * recover by themselves within seconds (slots fire and runs finish again, each process listens
 * again), no slot may be missed beyond what its missed-run policy counts, and no run may be
 * lost: every enqueued and slot-fired run completes.
 *
 * How the connections are cut depends on the mode. The subset (inside `npm test`, beside other
 * test files) terminates the processes' backends (`pg_terminate_backend` on their
 * `application_name`). The full run (`npm run test:chaos`, one file at a time) restarts the
 * PostgreSQL server itself, once cleanly (`fast`) and once as a crash (`immediate`: the server
 * replays its WAL, and commits that skipped the WAL flush — ticks and claims — may be lost and
 * redone). The full run needs the rights of the `restart` project (test/helpers/postgres-server.ts).
 *
 * Full: 3 processes, 20 schedules, 400 runs of 0.5 s per outage. Subset: 3 processes, 10
 * schedules, 100 runs of 0.3 s per outage. Needs PostgreSQL and the built CLI.
 */
import { describe, expect, test } from 'vitest';
import { setupTestDatabase } from '../helpers/db.js';
import { setupCluster, type Cluster } from '../helpers/cluster.js';
import { chaosMode, chaosSize, reportChaos } from '../helpers/chaos-report.js';
import { createExecutionLog, groupByRun } from '../helpers/execution-log.js';
import { ensureServerAfterEach, pgCtlCluster, waitForServer } from '../helpers/postgres-server.js';
import { checkSlots, createPerSecondSchedules, floorToSecond, waitForSlotsFiredThrough } from '../helpers/slots.js';
import { waitFor } from '../helpers/wait.js';
import { chaosJobs } from '../fixtures/chaos-jobs.js';

const env = setupTestDatabase();
const clusters = setupCluster(env);
ensureServerAfterEach();

interface Size {
  processes: number;
  schedules: number;
  /** Runs enqueued before each outage, and how long each works. */
  runsPerOutage: number;
  runMs: number;
  outages: Array<'terminate' | 'fast' | 'immediate'>;
}

const size = chaosSize<Size>({
  subset: { processes: 3, schedules: 10, runsPerOutage: 100, runMs: 300, outages: ['terminate', 'terminate'] },
  full: { processes: 3, schedules: 20, runsPerOutage: 400, runMs: 500, outages: ['fast', 'immediate'] },
});

/** Recovery must be "within seconds" of the server answering again. */
const RECOVERY_LIMIT_MS = 15_000;

/** Milliseconds from the cut (database clock) until each sign of recovery. */
interface Recovery {
  /** Until the server answered the test again (0 for terminated connections). */
  downMs: number;
  slotMs: number;
  runMs: number;
  listenMs: number;
}

interface Cut {
  /** Just before the connections were cut (database clock). */
  cutAt: Date;
  /** When the server answered the test again: what happens after it is recovery. */
  backAt: Date;
}

/** Cuts every connection of the cluster. */
async function cutConnections(cluster: Cluster, how: Size['outages'][number]): Promise<Cut> {
  const cutAt = await cluster.now();
  if (how === 'terminate') {
    expect(await cluster.terminateBackends()).toBeGreaterThanOrEqual(cluster.members().length);
    return { cutAt, backAt: cutAt };
  }
  await pgCtlCluster('restart', how);
  await waitForServer();
  return { cutAt, backAt: await waitFor(() => cluster.now(), { message: 'the test pool to reconnect' }) };
}

/**
 * Waits until, after the server is back, slots fire and runs finish, and every member listens
 * again; returns how long after the cut each happened.
 */
async function waitForRecovery(cluster: Cluster, { cutAt, backAt }: Cut, outage: number): Promise<Omit<Recovery, 'downMs'>> {
  const first = await waitFor(
    async () => {
      cluster.assertRunning();
      const { rows } = await cluster.db.query<{ slot: Date | null; run: Date | null }>(
        `select (select min(created_at) from "${cluster.schema}".job_runs where trigger = 'cron' and created_at > $1) as slot,
                (select min(finished_at) from "${cluster.schema}".job_runs where status = 'completed' and finished_at > $1) as run`,
        [backAt],
      );
      return rows[0]!.slot && rows[0]!.run ? rows[0]! : null;
    },
    { timeoutMs: RECOVERY_LIMIT_MS + 30_000, message: `slots and runs after outage ${outage}` },
  );
  const listening = await waitFor(
    () => {
      cluster.assertRunning();
      const restored = cluster.members().map((child) => child.logsWith('LISTEN connection restored')[outage - 1]?.time);
      return restored.every((time) => time !== undefined) ? Math.max(...(restored as number[])) : null;
    },
    { timeoutMs: RECOVERY_LIMIT_MS + 30_000, message: `every process to listen again after outage ${outage}` },
  );
  return { slotMs: first.slot!.getTime() - cutAt.getTime(), runMs: first.run!.getTime() - cutAt.getTime(), listenMs: listening - cutAt.getTime() };
}

async function runDatabaseOutages(size: Size): Promise<void> {
  const startedAt = performance.now();
  const log = createExecutionLog();
  const cluster = await clusters.create({ name: 'hg-chaos-outage', config: 'chaos.config.ts', jobs: chaosJobs, env: log.env });
  await cluster.start('start', size.processes);
  const firstSlots = await createPerSecondSchedules(cluster.owner, size.schedules, { jobType: 'chaos-work' });

  const enqueued: string[] = [];
  const recoveries: Recovery[] = [];
  for (const [index, how] of size.outages.entries()) {
    enqueued.push(...(await cluster.owner.runs.enqueueMany(Array.from({ length: size.runsPerOutage }, () => ({ jobType: 'chaos-work', payload: { ms: size.runMs } })))));
    await waitFor(async () => (await cluster.countRuns(`status = 'running'`)) >= size.processes, { message: 'runs to be executing' });
    const cut = await cutConnections(cluster, how);
    recoveries.push({ downMs: cut.backAt.getTime() - cut.cutAt.getTime(), ...(await waitForRecovery(cluster, cut, index + 1)) });
  }
  // A few seconds of normal operation after the last outage, then everything through `until`.
  const until = floorToSecond(new Date((await cluster.now()).getTime() + 3000));
  await cluster.waitForDatabaseTime(until);
  await waitForSlotsFiredThrough(cluster.db, cluster.schema, until);
  const ended = await cluster.settleRuns(`id = any($1::uuid[]) or (trigger in ('cron', 'catch_up') and scheduled_for <= $2)`, [enqueued, until]);
  await cluster.stopGracefully();

  const report = await checkSlots(cluster.db, cluster.schema, { firstSlots, until });
  const { rows } = await cluster.db.query<{ missed: number }>(`select coalesce(sum(missed_count), 0)::int as missed from "${cluster.schema}".scheduled_jobs`);
  const missedCounted = rows[0]!.missed;
  const byRun = groupByRun(log.read());
  const completedTwice = [...byRun.values()].filter((group) => group.filter((e) => e.end === 'completed').length > 1).length;
  await reportChaos('database-restart', {
    sizes: size,
    figures: {
      outages: size.outages.join('/'),
      downMs: recoveries.map((r) => r.downMs).join('/'),
      firstSlotAfterCutMs: recoveries.map((r) => r.slotMs).join('/'),
      firstRunFinishedAfterCutMs: recoveries.map((r) => r.runMs).join('/'),
      listeningAgainAfterCutMs: recoveries.map((r) => r.listenMs).join('/'),
      slots: report.slots,
      slotRuns: report.runs,
      duplicates: report.duplicates,
      misses: report.misses,
      missedCounted,
      enqueued: enqueued.length,
      completed: ended.completed ?? 0,
      handlersCompletedTwice: completedTwice,
    },
    wallMs: performance.now() - startedAt,
  });

  for (const recovery of recoveries) {
    expect(Math.max(recovery.slotMs, recovery.runMs, recovery.listenMs)).toBeLessThan(recovery.downMs + RECOVERY_LIMIT_MS);
  }
  expect(report.duplicates).toBe(0);
  expect(report.misses, report.missing.join('\n')).toBe(missedCounted);
  expect(report.runs + missedCounted).toBe(report.slots);
  expect(ended).toEqual({ completed: enqueued.length + report.runs });
}

describe(`connections cut twice under load (${chaosMode() === 'full' ? 'server restarts' : 'terminated backends'})`, () => {
  test('processes recover by themselves within seconds, miss no slot beyond the policy and lose no run', () => runDatabaseOutages(size));
});
