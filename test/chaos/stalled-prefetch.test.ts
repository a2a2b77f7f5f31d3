/**
 * A worker cut off from the database must not run anything past its leases: by then lease
 * recovery may have handed its runs to another process, and it cannot learn that. So it must
 * neither start a prefetched run after that run's lease lapsed (it used to: the bug this file
 * was written for, fixed by the worker's lease fencing in src/worker/worker.ts) nor keep a
 * handler running while another process runs the same run.
 *
 * Set-up, deterministic: one `hourglass start` process behind a loopback proxy claims its full
 * concurrency of 4 s runs plus its prefetch; the proxy then stalls (past the 2 s lease) while
 * a second process, connected directly, recovers the lapsed leases and runs them. Without
 * fencing, the first process's handlers ran on, and when they ended after 4 s its queued runs
 * started, each about 2 s after its lease had lapsed.
 *
 * Needs PostgreSQL and the built CLI.
 */
import { describe, expect, test } from 'vitest';
import { setupTestDatabase, testDatabaseUrl } from '../helpers/db.js';
import { setupCluster } from '../helpers/cluster.js';
import { createExecutionLog, findOverlaps } from '../helpers/execution-log.js';
import { databaseUrlFor } from '../helpers/processes.js';
import { startTestProxyTo } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';
import { chaosJobs } from '../fixtures/chaos-jobs.js';

const env = setupTestDatabase();
const clusters = setupCluster(env);

/** The fixture config's worker concurrency and prefetch. */
const CONCURRENCY = 8;
const PREFETCH = 4;
const RUN_MS = 4000;

describe('a worker whose database connection stalls with prefetched runs in its queue', () => {
  test('starts none of them after its lease lapsed, and runs no run at once with another process', async () => {
    const log = createExecutionLog();
    const proxy = await startTestProxyTo(testDatabaseUrl());
    const cluster = await clusters.create({ name: 'hg-chaos-prefetch', config: 'chaos.config.ts', jobs: chaosJobs, env: log.env });
    const cutOff = cluster.spawn('start', { label: 'start (through the proxy)', env: { DATABASE_URL: proxy.urlFor(databaseUrlFor(cluster.applicationName)) } });
    const cutOffId = await cutOff.waitUntilStarted();
    const ids = await cluster.owner.runs.enqueueMany(Array.from({ length: CONCURRENCY + PREFETCH }, () => ({ jobType: 'chaos-work', payload: { ms: RUN_MS } })));
    await waitFor(async () => (await cluster.countRuns(`worker_id = $1 and status = 'running'`, [cutOffId])) === ids.length, {
      message: 'the cut-off process to claim every run',
    });

    proxy.stall();
    const leaseLapsesAt = await cluster.heldRuns(cutOffId);
    await cluster.start('start', 1);
    // The cut-off process's handlers end (fenced, or after RUN_MS); its queued runs could then start.
    await waitFor(() => log.read().filter((e) => e.pid === cutOff.pid && e.end !== null).length >= CONCURRENCY || null, {
      timeoutMs: RUN_MS + 10_000,
      message: 'the cut-off process to end its first handlers',
    });
    await waitFor(async () => (await cluster.countRuns(`id = any($1::uuid[]) and status = 'completed'`, [ids])) === ids.length, {
      timeoutMs: 30_000,
      message: 'the other process to complete every run',
    });
    proxy.drop();
    await cluster.settleRuns('id = any($1::uuid[])', [ids]);
    await cluster.stopGracefully();

    const executions = log.read();
    const lateStarts = executions.filter((e) => e.pid === cutOff.pid && e.startedAt > leaseLapsesAt.get(e.runId)!.getTime());
    const overlaps = findOverlaps(executions, new Map());
    const evidence = lateStarts.map((e) => `${e.runId} started ${e.startedAt - leaseLapsesAt.get(e.runId)!.getTime()} ms after its lease lapsed`);
    console.log(`[chaos/stalled-prefetch] late starts=${lateStarts.length} executions at once=${overlaps.length}\n  ${evidence.join('\n  ')}`);
    expect(evidence).toEqual([]);
    expect(overlaps.map((overlap) => `${overlap.second.runId}: ${overlap.overlapMs} ms in pids ${overlap.first.pid} and ${overlap.second.pid}`)).toEqual([]);
  });
});
