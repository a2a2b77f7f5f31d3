/**
 * A database outage must not end a running process (SPEC §4: every loop logs, backs off and
 * reconnects; the process does not exit), including the moment just after start-up.
 *
 * `hourglass start` logs "hourglass started" (its loops are running), then announces itself:
 * it creates the first admin token on an empty database and lists the next slots. A lost
 * connection there is waited out like any other outage: logged once, retried with backoff.
 *
 * Set-up, deterministic: the process reaches PostgreSQL through a loopback proxy that stalls
 * exactly when the process sends the initial token's advisory-lock key, then drops every
 * connection. Needs PostgreSQL and the built CLI.
 */
import { describe, expect, test } from 'vitest';
import { setupTestDatabase, testDatabaseUrl } from '../helpers/db.js';
import { setupCluster } from '../helpers/cluster.js';
import { databaseUrlFor } from '../helpers/processes.js';
import { startTestProxyTo } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';
import { chaosJobs } from '../fixtures/chaos-jobs.js';

const env = setupTestDatabase();
const clusters = setupCluster(env);

describe('a start process whose connections drop while it announces itself', () => {
  test('keeps running, reconnects and completes runs', async () => {
    const proxy = await startTestProxyTo(testDatabaseUrl());
    const cluster = await clusters.create({ name: 'hg-chaos-blip', config: 'chaos.config.ts', jobs: chaosJobs });
    // The key of `createInitialToken`'s advisory lock, a parameter sent in clear.
    proxy.stallWhenSent(`hourglass:initial-token:${cluster.schema}`);
    const child = cluster.spawn('start', { label: 'start (through the proxy)', env: { DATABASE_URL: proxy.urlFor(databaseUrlFor(cluster.applicationName)) } });
    await child.waitUntilStarted();
    await waitFor(() => proxy.isStalled(), { message: 'the stall while the process announces itself' });
    proxy.drop();

    const run = await cluster.owner.runs.enqueue({ jobType: 'chaos-work' });
    const outcome = await waitFor(
      async () => {
        if (!child.isRunning()) return 'exited';
        return (await cluster.countRuns(`id = $1 and status = 'completed'`, [run.id])) === 1 ? 'running, run completed' : null;
      },
      { timeoutMs: 20_000, message: 'the process to complete a run after the drop' },
    );
    const error = child.output().split('\n').find((line) => line.includes('unexpected error'));
    const exit = outcome === 'exited' ? `, exit code ${(await child.exited).code}: ${error}` : '';
    console.log(`[chaos/startup-blip] after the drop: ${outcome}${exit}`);
    expect(outcome).toBe('running, run completed');
    // The announcement it was making when the connection dropped is made once it is back.
    await waitFor(() => child.output().includes('database unavailable while announcing the start'), { message: 'the logged outage' });
    await waitFor(() => /^(Next slots:|No active schedules yet)/m.test(child.output()), { message: 'the announcement after the drop' });
    await cluster.stopGracefully();
  });
});
