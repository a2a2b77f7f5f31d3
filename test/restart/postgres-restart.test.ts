/**
 * A real PostgreSQL restart (SPEC §4 "database outages") under load: a scheduler process
 * fires per-second slots and a worker process executes runs when the server is restarted with
 * `pg_ctlcluster … restart`. Both processes must come back by themselves within seconds of
 * the server answering again, and nothing may be lost: every run completes, and every slot
 * has exactly one run or was counted missed by its missed-run policy.
 *
 * A restart breaks every other connection to the server, so this file runs in the `restart`
 * project, alone, after the main run (`scripts/test.mjs`). It needs to run as a user allowed
 * to restart the local cluster (root, or the cluster's owner), and the built CLI. Whatever
 * happens, the server is running again when the test ends.
 */
import { describe, expect, test } from 'vitest';
import { setupTestDatabase } from '../helpers/db.js';
import { setupCluster } from '../helpers/cluster.js';
import { ensureServerAfterEach, pgCtlCluster, waitForServer } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait.js';
import { countLogs, lossMessages, recoveryMessages } from '../helpers/processes.js';
import { checkSlots, createPerSecondSchedules, floorToSecond, waitForSlotsFiredThrough } from '../helpers/slots.js';

const env = setupTestDatabase();
const clusters = setupCluster(env);
// Registered after the database and process helpers, so it runs before them (hooks unwind as
// a stack): the server is up again before their cleanup needs it.
ensureServerAfterEach();

describe('a PostgreSQL restart while a scheduler and a worker are busy', () => {
  test('loses no run and no slot, and both processes recover by themselves within seconds', async () => {
    const cluster = await clusters.create({ name: 'hg-restart' });
    const { owner, schema, db } = cluster;
    const firstSlots = await createPerSecondSchedules(owner, 10);
    const scheduler = cluster.spawn('scheduler', { label: 'scheduler' });
    const worker = cluster.spawn('worker', { label: 'worker' });
    await Promise.all([scheduler.waitUntilStarted(), worker.waitUntilStarted()]);

    // Five seconds of work at concurrency 10: runs execute, and finish, while the server is down.
    const enqueued: string[] = [];
    for (let index = 0; index < 50; index += 1) enqueued.push((await owner.runs.enqueue({ jobType: 'work', payload: { ms: 1000 } })).id);
    await waitFor(async () => (await cluster.countRuns(`status = 'running'`)) >= 5, { message: 'runs to be executing' });

    const restartStartedAt = Date.now();
    await pgCtlCluster('restart');
    await waitForServer();
    const serverBackAt = await cluster.now();
    const downMs = serverBackAt.getTime() - restartStartedAt;

    // Recovered: slots fire and runs finish again, without anyone touching the processes.
    const firstAfter = await waitFor(
      async () => {
        cluster.assertRunning();
        const { rows } = await db.query<{ slot: Date | null; run: Date | null }>(
          `select (select min(created_at) from "${schema}".job_runs where trigger = 'cron' and created_at > $1) as slot,
                  (select min(finished_at) from "${schema}".job_runs where status = 'completed' and finished_at > $1) as run`,
          [serverBackAt],
        );
        return rows[0]!.slot && rows[0]!.run ? rows[0]! : null;
      },
      { timeoutMs: 30_000, message: 'the processes to fire slots and finish runs again' },
    );
    const slotRecoveryMs = firstAfter.slot!.getTime() - serverBackAt.getTime();
    const runRecoveryMs = firstAfter.run!.getTime() - serverBackAt.getTime();

    // A few more seconds of normal operation, then everything through `until` must be done.
    const until = floorToSecond(new Date(serverBackAt.getTime() + 3000));
    await waitForSlotsFiredThrough(db, schema, until);
    const settled = await waitFor(
      async () => {
        cluster.assertRunning();
        const { rows } = await db.query<{ status: string; attempt: number; n: number }>(
          `select status, attempt, count(*)::int as n
           from "${schema}".job_runs
           where id = any($1::uuid[]) or (trigger in ('cron', 'catch_up') and scheduled_for <= $2)
           group by status, attempt`,
          [enqueued, until],
        );
        return rows.every((row) => row.status === 'completed') ? rows : null;
      },
      { timeoutMs: 60_000, message: 'every enqueued and slot-fired run to complete' },
    );
    // Each loop says it is back after its own backoff: the LISTEN connection's may come after
    // the runs settled (its waits grow to 10 s), so wait for every loop that lost the database.
    const saidBack = (child: typeof worker) => countLogs(child, recoveryMessages).every((count, index) => count >= countLogs(child, lossMessages)[index]!);
    await waitFor(() => saidBack(scheduler) && saidBack(worker), { timeoutMs: 30_000, message: 'every loop that lost the database to say it is back' });
    const losses = { scheduler: countLogs(scheduler, lossMessages), worker: countLogs(worker, lossMessages) };
    const restores = { scheduler: countLogs(scheduler, recoveryMessages), worker: countLogs(worker, recoveryMessages) };
    await cluster.stopGracefully();

    const report = await checkSlots(db, schema, { firstSlots, until });
    const { rows } = await db.query<{ missed: number }>(`select coalesce(sum(missed_count), 0)::int as missed from "${schema}".scheduled_jobs`);
    const missedCounted = rows[0]!.missed;
    const completed = settled.reduce((sum, row) => sum + row.n, 0);
    // Within what the loops' backoff allows: each wait is at most about twice the outage so far
    // (jittered doubling from a 50 % floor), and at most 15 s; plus a tick's worth of slack.
    const allowedMs = Math.min(15_000, 2 * downMs) + 2000;
    console.log(
      `[postgres-restart] restart took ${downMs}ms; after the server answered: first slot fired +${slotRecoveryMs}ms, first run finished +${runRecoveryMs}ms ` +
        `(allowed ${allowedMs}ms)\n` +
        `  enqueued=${enqueued.length} completed (enqueued + slot runs)=${completed} attempts=${JSON.stringify(settled.map((row) => [row.attempt, row.n]))} ` +
        `slots=${report.slots} runs=${report.runs} duplicates=${report.duplicates} misses=${report.misses} counted missed=${missedCounted} ` +
        `lateness max=${report.maxLateMs}ms\n` +
        `  loss logs [tick, claim, heartbeat, listen] scheduler=${losses.scheduler} worker=${losses.worker}; ` +
        `recovery logs scheduler=${restores.scheduler} worker=${restores.worker}`,
    );
    expect(slotRecoveryMs).toBeLessThan(allowedMs);
    expect(runRecoveryMs).toBeLessThan(allowedMs);
    expect(report.duplicates).toBe(0);
    expect(report.misses, report.missing.join('\n')).toBe(missedCounted);
    expect(report.runs + missedCounted).toBe(report.slots);
    expect(completed).toBe(enqueued.length + report.runs);
    // The outage was logged at most once per loop, and every loop that lost the database said
    // it was back. The LISTEN connections certainly dropped; whether a tick or a claim failed
    // depends on whether it ran while the server refused connections, which can be shorter
    // than the pause between two ticks.
    for (const child of ['scheduler', 'worker'] as const) {
      expect(losses[child][3]).toBe(1);
      for (let index = 0; index < 4; index += 1) {
        expect(losses[child][index]).toBeLessThanOrEqual(1);
        expect(restores[child][index]).toBe(losses[child][index]);
      }
    }
  });
});
