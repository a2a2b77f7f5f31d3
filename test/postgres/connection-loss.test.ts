/**
 * Dropped database connections (SPEC §4 "database outages"): a scheduler process and a worker
 * process have every connection of theirs terminated (`pg_terminate_backend` on their
 * `application_name`) several times while runs execute and per-second slots fire. Nothing is
 * lost: every enqueued run completes, every slot has exactly one run, and both processes
 * recover by themselves, staying up and logging each loss once (not once per retry).
 *
 * Needs PostgreSQL (TEST_DATABASE_URL) and the built CLI (`npm run build`).
 */
import { describe, expect, test } from 'vitest';
import { setupTestDatabase } from '../helpers/db.js';
import { setupCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';
import { countLogs, lossMessages, recoveryMessages } from '../helpers/processes.js';
import { checkSlots, createPerSecondSchedules, floorToSecond, waitForSlotsFiredThrough } from '../helpers/slots.js';

const env = setupTestDatabase();
const clusters = setupCluster(env);

const DROPS = 5;

describe('connections dropped while runs execute and slots fire', () => {
  test('lose no run and no slot, and the processes recover by themselves each time', async () => {
    const cluster = await clusters.create({ name: 'hg-connloss' });
    const { owner, schema, db } = cluster;
    const firstSlots = await createPerSecondSchedules(owner, 10);
    const scheduler = cluster.spawn('scheduler', { label: 'scheduler' });
    const worker = cluster.spawn('worker', { label: 'worker' });
    await Promise.all([scheduler.waitUntilStarted(), worker.waitUntilStarted()]);

    const enqueued: string[] = [];
    const recoveries: Array<{ terminated: number; slotMs: number; runMs: number; listenMs: number }> = [];
    for (let drop = 1; drop <= DROPS; drop += 1) {
      for (let index = 0; index < 30; index += 1) enqueued.push((await owner.runs.enqueue({ jobType: 'work', payload: { ms: 150 } })).id);
      await waitFor(async () => (await cluster.countRuns(`status = 'running'`)) > 0, { message: 'runs to be executing' });
      const droppedAt = await cluster.now();
      const terminated = await cluster.terminateBackends();
      expect(terminated).toBeGreaterThanOrEqual(2); // at least each process's LISTEN connection

      // Recovered: the scheduler fires slots again, the worker finishes runs again, and each
      // process listens again.
      const firstAfter = await waitFor(
        async () => {
          cluster.assertRunning();
          const { rows } = await db.query<{ slot: Date | null; run: Date | null }>(
            `select (select min(created_at) from "${schema}".job_runs where trigger = 'cron' and created_at > $1) as slot,
                    (select min(finished_at) from "${schema}".job_runs where status = 'completed' and finished_at > $1) as run`,
            [droppedAt],
          );
          return rows[0]!.slot && rows[0]!.run ? rows[0]! : null;
        },
        { timeoutMs: 20_000, message: `recovery after drop ${drop}` },
      );
      const listening = await waitFor(
        async () => {
          cluster.assertRunning();
          const restored = [scheduler, worker].map((child) => child.logsWith('LISTEN connection restored')[drop - 1]);
          if (!restored.every(Boolean) || (await cluster.countBackends()) < 2) return null;
          return Math.max(...restored.map((line) => line!.time));
        },
        { timeoutMs: 20_000, message: `both processes to listen again after drop ${drop}` },
      );
      recoveries.push({
        terminated,
        slotMs: firstAfter.slot!.getTime() - droppedAt.getTime(),
        runMs: firstAfter.run!.getTime() - droppedAt.getTime(),
        listenMs: listening - droppedAt.getTime(),
      });
    }

    const until = floorToSecond(await cluster.now());
    await waitForSlotsFiredThrough(db, schema, until);
    const settled = await waitFor(
      async () => {
        cluster.assertRunning();
        const { rows } = await db.query<{ status: string; attempt: number; n: number }>(
          `select status, attempt, count(*)::int as n
           from "${schema}".job_runs
           where id = any($1::uuid[]) or (trigger = 'cron' and scheduled_for <= $2)
           group by status, attempt`,
          [enqueued, until],
        );
        return rows.every((row) => row.status === 'completed') ? rows : null;
      },
      { timeoutMs: 30_000, message: 'every enqueued and slot-fired run to complete' },
    );
    cluster.assertRunning();
    const losses = { scheduler: countLogs(scheduler, lossMessages), worker: countLogs(worker, lossMessages) };
    const restores = { scheduler: countLogs(scheduler, recoveryMessages), worker: countLogs(worker, recoveryMessages) };
    await cluster.stopGracefully();

    const report = await checkSlots(db, schema, { firstSlots, until });
    const completed = settled.reduce((sum, row) => sum + row.n, 0);
    console.log(
      `[connection-loss] drops=${DROPS} connections terminated=${recoveries.map((r) => r.terminated).join('/')} ` +
        `first slot after drop=${recoveries.map((r) => r.slotMs).join('/')}ms first run finished after drop=${recoveries.map((r) => r.runMs).join('/')}ms ` +
        `listening again after=${recoveries.map((r) => r.listenMs).join('/')}ms\n` +
        `  enqueued=${enqueued.length} completed (enqueued + slot runs)=${completed} attempts=${JSON.stringify(settled.map((row) => [row.attempt, row.n]))} ` +
        `slots=${report.slots} runs=${report.runs} duplicates=${report.duplicates} misses=${report.misses}\n` +
        `  loss logs [tick, claim, heartbeat, listen] scheduler=${losses.scheduler} worker=${losses.worker}; ` +
        `recovery logs scheduler=${restores.scheduler} worker=${restores.worker}`,
    );
    expect(report, report.missing.join('\n')).toMatchObject({ duplicates: 0, misses: 0 });
    expect(report.runs).toBe(report.slots);
    expect(completed).toBe(enqueued.length + report.runs);
    // Each loss is logged once, never once per retry, and each loop that said so came back.
    for (const child of ['scheduler', 'worker'] as const) {
      expect(losses[child][3]).toBe(DROPS);
      expect(restores[child][3]).toBe(DROPS);
      for (let index = 0; index < 3; index += 1) {
        expect(losses[child][index]).toBeLessThanOrEqual(DROPS);
        expect(restores[child][index]).toBe(losses[child][index]);
      }
    }
  });
});
