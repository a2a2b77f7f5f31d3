/**
 * Chaos scenario 4, network trouble: one of the `hourglass start` processes reaches PostgreSQL
 * through a loopback TCP proxy (test/helpers/tcp-proxy.ts). While runs execute, the proxy
 * stalls (nothing forwarded, sockets left open, like a link gone silent) for longer than a
 * lease, then drops every connection and forwards again.
 *
 * Promises checked:
 * - the cut-off process stops claiming: no run it had not claimed before the stall starts there
 *   during the stall;
 * - the runs it held are recovered by the others once their leases lapse, and complete;
 * - it rejoins cleanly: it stays up, reconnects by itself, listens again and completes new runs,
 *   and it stops with a clean exit;
 * - it runs nothing beyond its leases: it starts no prefetched run after that run's lease
 *   lapsed, and no run executes in two processes at once (the worker fences its leases by its
 *   own clock; test/chaos/stalled-prefetch.test.ts checks that on its own).
 *
 * Full: 3 processes, 300 runs of 1 s, a 20 s stall. Subset: 3 processes, 80 runs of 1 s, a 5 s
 * stall. Needs PostgreSQL and the built CLI.
 */
import { describe, expect, test } from 'vitest';
import { setupTestDatabase, testDatabaseUrl } from '../helpers/db.js';
import { setupCluster, type Cluster } from '../helpers/cluster.js';
import { chaosSize, reportChaos } from '../helpers/chaos-report.js';
import { createExecutionLog, findOverlaps } from '../helpers/execution-log.js';
import { databaseUrlFor, lossMessages, type HourglassProcess } from '../helpers/processes.js';
import { startTestProxyTo } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';
import { chaosJobs } from '../fixtures/chaos-jobs.js';
import { CHAOS_LEASE_MS as LEASE_MS } from '../fixtures/chaos.config.js';

const env = setupTestDatabase();
const clusters = setupCluster(env);

interface Size {
  processes: number;
  /** Runs enqueued before the stall, and again after the drop. */
  runs: number;
  runMs: number;
  stallMs: number;
}

const size = chaosSize<Size>({
  subset: { processes: 3, runs: 80, runMs: 1000, stallMs: 5000 },
  full: { processes: 3, runs: 300, runMs: 1000, stallMs: 20_000 },
});

/** When the cut-off process first completed a run after `since` (database clock). */
async function firstCompletedBy(cluster: Cluster, child: HourglassProcess, since: Date): Promise<Date | null> {
  const { rows } = await cluster.db.query<{ at: Date | null }>(
    `select min(finished_at) as at from "${cluster.schema}".job_runs where status = 'completed' and (result->>'pid')::int = $1 and finished_at > $2`,
    [child.pid, since],
  );
  return rows[0]!.at;
}

async function runNetworkTrouble(size: Size): Promise<void> {
  const startedAt = performance.now();
  const log = createExecutionLog();
  const proxy = await startTestProxyTo(testDatabaseUrl());
  const cluster = await clusters.create({ name: 'hg-chaos-net', config: 'chaos.config.ts', jobs: chaosJobs, env: log.env });
  await cluster.start('start', size.processes - 1);
  const cutOff = cluster.spawn('start', { label: 'start (through the proxy)', env: { DATABASE_URL: proxy.urlFor(databaseUrlFor(cluster.applicationName)) } });
  const cutOffId = await cutOff.waitUntilStarted();
  const enqueue = () => cluster.owner.runs.enqueueMany(Array.from({ length: size.runs }, () => ({ jobType: 'chaos-work', payload: { ms: size.runMs } })));
  const ids = await enqueue();
  await waitFor(async () => (await cluster.heldRuns(cutOffId)).size > 0, { message: 'the cut-off process to hold runs' });

  proxy.stall();
  const stalledAt = Date.now();
  const held = await cluster.heldRuns(cutOffId);
  const recoveredAt = await waitFor(
    async () => {
      cluster.assertRunning();
      return (await cluster.countRuns(`id = any($1::uuid[]) and worker_id = $2 and status = 'running'`, [[...held.keys()], cutOffId])) === 0 ? Date.now() : null;
    },
    { timeoutMs: LEASE_MS + 15_000, message: 'the runs of the cut-off process to be recovered' },
  );
  await waitFor(() => Date.now() >= stalledAt + size.stallMs || null, { timeoutMs: size.stallMs + 5000, message: 'the end of the stall' });
  // What the cut-off process noticed of the silent link, before the drop made it obvious.
  const stallNoticed = cutOff.logs().filter((line) => lossMessages.includes(line.msg) && line.time >= stalledAt);
  const dropped = proxy.drop();
  const droppedAt = await cluster.now();

  ids.push(...(await enqueue()));
  const rejoinedAt = await waitFor(
    async () => {
      cluster.assertRunning();
      return firstCompletedBy(cluster, cutOff, droppedAt);
    },
    { timeoutMs: 30_000, message: 'the cut-off process to complete runs again' },
  );
  const ended = await cluster.settleRuns('id = any($1::uuid[])', [ids]);
  const { rows: finishers } = await cluster.db.query<{ pid: number; n: number }>(
    `select (result->>'pid')::int as pid, count(*)::int as n from "${cluster.schema}".job_runs where id = any($1::uuid[]) group by 1`,
    [[...held.keys()]],
  );
  const resumed = cutOff.logsWith('database reachable again; worker resumed').length;
  const listening = cutOff.logsWith('LISTEN connection restored').length;
  await cluster.stopGracefully();

  const executions = log.read();
  const duringStall = executions.filter((e) => e.pid === cutOff.pid && e.startedAt > stalledAt + 500 && e.startedAt < stalledAt + size.stallMs);
  const claimedDuringStall = duringStall.filter((e) => !held.has(e.runId));
  const startedAfterLeaseLapsed = duringStall.filter((e) => held.has(e.runId) && e.startedAt > held.get(e.runId)!.getTime());
  const overlaps = findOverlaps(executions, new Map());
  await reportChaos('network-trouble', {
    sizes: size,
    figures: {
      runs: ids.length,
      completed: ended.completed ?? 0,
      heldAtStall: held.size,
      recoveredAfterMs: recoveredAt - stalledAt,
      startedDuringStall: duringStall.length,
      claimedDuringStall: claimedDuringStall.length,
      startedAfterLeaseLapsed: startedAfterLeaseLapsed.length,
      lossLoggedDuringStall: stallNoticed.map((line) => `${line.msg} +${line.time - stalledAt}ms`).join('; ') || 'none',
      connectionsDropped: dropped,
      completedAgainAfterDropMs: rejoinedAt.getTime() - droppedAt.getTime(),
      heldRunsFinishedByOthers: finishers.filter((row) => row.pid !== cutOff.pid).reduce((sum, row) => sum + row.n, 0),
      overlaps: overlaps.length,
      longestOverlapMs: Math.max(0, ...overlaps.map((overlap) => overlap.overlapMs)),
    },
    wallMs: performance.now() - startedAt,
  });

  expect(ended).toEqual({ completed: ids.length });
  expect(held.size).toBeGreaterThan(0);
  expect(claimedDuringStall).toEqual([]);
  expect(recoveredAt - stalledAt).toBeLessThan(LEASE_MS + 10_000);
  expect(dropped).toBeGreaterThan(0);
  expect(resumed).toBeGreaterThan(0);
  expect(listening).toBeGreaterThan(0);
  expect(startedAfterLeaseLapsed).toEqual([]);
  expect(overlaps).toEqual([]);
}

describe('one process behind a proxy that stalls, then drops its connections', () => {
  test('stops claiming, has its runs recovered by the others, and rejoins cleanly', () => runNetworkTrouble(size));
});
