/**
 * Chaos scenario 2, kill storm: `hourglass start` processes work through a pile of runs of
 * 0.2–2 s while, at a steady pace, a random one of them is killed with SIGKILL (no shutdown, no
 * hand-back: its executing, prefetched and unwritten runs are simply gone) and started again.
 *
 * Promises checked: every run ends `completed`; the runs a killed process held are recovered
 * once their lease lapses (reported: the longest time from a kill until recovery put its runs
 * back to pending, and until they started again elsewhere); and no run is executed by two
 * processes at the same time beyond its lease. The last comes from the `chaos-work` execution
 * log: an execution of a killed process ends at the kill; an overlap is allowed only where the
 * first holder had lost its lease (its handler was aborted with `lease_lost`), and for less
 * than a lease.
 *
 * Full: 3 processes, 1,000 runs of 0.2–2 s, a kill every 10 s. Subset: 3 processes, 250 runs of
 * 0.2–1.5 s, a kill every 3 s. Needs PostgreSQL (TEST_DATABASE_URL) and the built CLI.
 */
import { describe, expect, test } from 'vitest';
import { setupTestDatabase } from '../helpers/db.js';
import { setupCluster, type Cluster } from '../helpers/cluster.js';
import { chaosSize, reportChaos } from '../helpers/chaos-report.js';
import { createExecutionLog, findOverlaps, groupByRun, type Execution } from '../helpers/execution-log.js';
import type { HourglassProcess } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';
import { chaosJobs } from '../fixtures/chaos-jobs.js';
import { CHAOS_LEASE_MS as LEASE_MS } from '../fixtures/chaos.config.js';

const env = setupTestDatabase();
const clusters = setupCluster(env);

interface Size {
  processes: number;
  runs: number;
  minMs: number;
  maxMs: number;
  killEveryMs: number;
}

const size = chaosSize<Size>({
  subset: { processes: 3, runs: 250, minMs: 200, maxMs: 1500, killEveryMs: 3000 },
  full: { processes: 3, runs: 1000, minMs: 200, maxMs: 2000, killEveryMs: 10_000 },
});

interface Kill {
  pid: number;
  at: number;
  /** Runs the process held (executing or queued) just before the kill. */
  held: string[];
}

/** Durations spread evenly over [minMs, maxMs] (golden-ratio sequence: reproducible, no clumps). */
function durationOf(index: number, { minMs, maxMs }: Size): number {
  return minMs + Math.round(((index * 0.6180339887) % 1) * (maxMs - minMs));
}

/** Kills a random member every `killEveryMs` and starts a replacement, until every run ended. */
async function killUntilDone(cluster: Cluster, size: Size, allEnded: () => Promise<boolean>): Promise<Kill[]> {
  const kills: Kill[] = [];
  const maxKills = Math.ceil((size.runs * size.maxMs) / 1000 / size.killEveryMs) + 10;
  const workerIds = new Map<HourglassProcess, string>();
  for (const member of cluster.members()) workerIds.set(member, await member.waitUntilStarted());
  let nextKillAt = Date.now() + size.killEveryMs;
  while (kills.length < maxKills) {
    const done = await waitFor(async () => ((await allEnded()) ? 'done' : Date.now() >= nextKillAt ? 'kill' : null), {
      timeoutMs: size.killEveryMs + 10_000,
      intervalMs: 100,
      message: 'the next kill',
    });
    if (done === 'done') return kills;
    const members = cluster.members();
    const victim = members[Math.floor(Math.random() * members.length)]!;
    const held = [...(await cluster.heldRuns(workerIds.get(victim)!)).keys()];
    await cluster.kill(victim);
    kills.push({ pid: victim.pid, at: Date.now(), held });
    nextKillAt = Date.now() + size.killEveryMs;
    const replacement = cluster.spawn('start', { label: `start (after kill ${kills.length})` });
    workerIds.set(replacement, await replacement.waitUntilStarted());
  }
  throw new Error(`runs still unfinished after ${kills.length} kills`);
}

/** Per kill: from the kill until recovery put the last run it held back to pending (run logs). */
async function leaseRecoveryTimes(cluster: Cluster, kills: readonly Kill[]): Promise<number[]> {
  const times: number[] = [];
  for (const kill of kills) {
    const { rows } = await cluster.db.query<{ at: Date }>(
      `select min(at) as at
       from "${cluster.schema}".job_run_logs
       where run_id = any($1::uuid[]) and message like 'worker lost: lease expired%' and at > $2
       group by run_id`,
      [kill.held, new Date(kill.at)],
    );
    times.push(Math.max(0, ...rows.map((row) => row.at.getTime() - kill.at)));
  }
  return times;
}

/**
 * Per kill: from the kill until the last run it interrupted started again (execution log),
 * which includes the wait behind the other pending runs. A run it held whose outcome was
 * written just before the kill was not interrupted: it has no later start.
 */
function restartTimes(kills: readonly Kill[], executions: readonly Execution[]): number[] {
  const byRun = groupByRun(executions);
  return kills.map((kill) => {
    const interrupted = new Set([...kill.held, ...executions.filter((e) => e.pid === kill.pid && e.endedAt === null).map((e) => e.runId)]);
    const restarts = [...interrupted].flatMap((runId) => (byRun.get(runId) ?? []).filter((e) => e.startedAt > kill.at).slice(0, 1));
    return Math.max(0, ...restarts.map((e) => e.startedAt - kill.at));
  });
}

async function runKillStorm(size: Size): Promise<void> {
  const startedAt = performance.now();
  const log = createExecutionLog();
  const cluster = await clusters.create({ name: 'hg-chaos-kill', config: 'chaos.config.ts', jobs: chaosJobs, env: log.env });
  await cluster.start('start', size.processes);
  const ids = await cluster.owner.runs.enqueueMany(Array.from({ length: size.runs }, (_, index) => ({ jobType: 'chaos-work', payload: { ms: durationOf(index, size) } })));
  const unfinished = async () => cluster.countRuns(`id = any($1::uuid[]) and status in ('pending', 'running')`, [ids]);
  const kills = await killUntilDone(cluster, size, async () => (await unfinished()) === 0);
  const ended = await cluster.settleRuns('id = any($1::uuid[])', [ids]);
  const recoveries = await leaseRecoveryTimes(cluster, kills);
  const { rows: attempts } = await cluster.db.query<{ retried: number; max_attempt: number }>(
    `select count(*) filter (where attempt > 1)::int as retried, max(attempt)::int as max_attempt from "${cluster.schema}".job_runs where id = any($1::uuid[])`,
    [ids],
  );
  await cluster.stopGracefully();

  const executions = log.read();
  const killedAt = new Map(kills.map((kill) => [kill.pid, kill.at]));
  const overlaps = findOverlaps(executions, killedAt);
  const restarts = restartTimes(kills, executions);
  const byRun = groupByRun(executions);
  const completedTwice = [...byRun.values()].filter((group) => group.filter((e) => e.end === 'completed').length > 1).length;
  await reportChaos('kill-storm', {
    sizes: size,
    figures: {
      runs: ids.length,
      completed: ended.completed ?? 0,
      kills: kills.length,
      runsInterrupted: new Set(kills.flatMap((kill) => kill.held)).size,
      runsWithSecondAttempt: attempts[0]!.retried,
      maxAttempt: attempts[0]!.max_attempt,
      executions: executions.length,
      handlersCompletedTwice: completedTwice,
      longestRecoveryMs: Math.max(0, ...recoveries),
      longestRestartMs: Math.max(0, ...restarts),
      overlaps: overlaps.length,
      longestOverlapMs: Math.max(0, ...overlaps.map((overlap) => overlap.overlapMs)),
    },
    wallMs: performance.now() - startedAt,
  });

  expect(ended).toEqual({ completed: ids.length });
  expect(kills.length).toBeGreaterThanOrEqual(2);
  expect(attempts[0]!.retried).toBeGreaterThan(0);
  // Every run's handler completed at least once, and every execution cut by a kill was followed by another.
  for (const id of ids) expect(byRun.get(id)?.some((e) => e.end === 'completed'), `run ${id}`).toBe(true);
  const cut = executions.filter((e) => e.endedAt === null);
  expect(cut.filter((e) => !byRun.get(e.runId)!.some((later) => later.startedAt > e.startedAt))).toEqual([]);
  // A lapsed lease is recovered within a heartbeat or two of lapsing; allow for a busy machine.
  expect(Math.max(...recoveries)).toBeLessThan(LEASE_MS + 3000);
  // Two executions at once only after the first lost its lease, and not for longer than a lease.
  const beyondLease = overlaps.filter((overlap) => overlap.first.end !== 'lease_lost' || overlap.overlapMs > LEASE_MS);
  expect(beyondLease).toEqual([]);
}

describe('processes killed with SIGKILL while they work through a pile of runs', () => {
  test('complete every run, recover interrupted runs after their lease, and never run one twice at once', () => runKillStorm(size));
});
