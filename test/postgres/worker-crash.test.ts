/**
 * A worker process that dies mid-run (SIGKILL: no shutdown, no hand-back) loses nothing
 * (SPEC §4 leases): once the run's lease lapses, another live process recovers it to
 * `pending` with the attempt counted, and a second worker process completes it on attempt 2.
 * The dead process's `workers` row stays behind with its last heartbeat, for operators to see.
 *
 * The fixture config gives workers a 2 s lease renewed every 500 ms.
 * Needs PostgreSQL (TEST_DATABASE_URL) and the built CLI (`npm run build`).
 */
import { describe, expect, test } from 'vitest';
import { setupTestDatabase } from '../helpers/db.js';
import { setupCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

const env = setupTestDatabase();
const clusters = setupCluster(env);

const LEASE_MS = 2000;

interface RunRow {
  id: string;
  status: string;
  attempt: number;
  worker_id: string | null;
  lease_expires_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  result: { pid?: number; attempt?: number } | null;
}

interface WorkerRow {
  id: string;
  role: string;
  pid: number;
  heartbeat_at: Date;
  stopped_at: Date | null;
}

describe('a worker process killed in the middle of its runs', () => {
  test('has its runs recovered after the lease and completed on attempt 2 by another worker process', async () => {
    const cluster = await clusters.create({ name: 'hg-crash' });
    const { owner, schema, db } = cluster;
    const readRuns = async (ids: string[]) => (await db.query<RunRow>(`select * from "${schema}".job_runs where id = any($1::uuid[]) order by id`, [ids])).rows;
    const readWorkers = async () => (await db.query<WorkerRow>(`select * from "${schema}".workers`)).rows;

    const doomed = cluster.spawn('worker', { label: 'worker 1 (killed)' });
    const doomedId = await doomed.waitUntilStarted();
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) ids.push((await owner.runs.enqueue({ jobType: 'stall-first-attempt' })).id);
    await waitFor(async () => (await readRuns(ids)).every((run) => run.status === 'running' && run.worker_id === doomedId), {
      timeoutMs: 20_000,
      message: 'worker 1 to run all three runs',
    });

    // The survivor is up before the crash, so recovery waits only for the lease.
    const survivor = cluster.spawn('worker', { label: 'worker 2' });
    const survivorId = await survivor.waitUntilStarted();
    const leasesBeforeKill = await readRuns(ids);
    const killedAt = await cluster.now();
    await cluster.kill(doomed);
    expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const done = await waitFor(
      async () => {
        const runs = await readRuns(ids);
        return runs.every((run) => run.status === 'completed') ? runs : null;
      },
      { timeoutMs: 30_000, message: 'the three runs to complete after recovery' },
    );
    const recoveredAfterMs = done.map((run) => run.started_at!.getTime() - killedAt.getTime());
    const completedAfterMs = done.map((run) => run.finished_at!.getTime() - killedAt.getTime());
    console.log(
      `[worker-crash] runs=${done.length} lease=${LEASE_MS}ms attempt 2 started ${Math.min(...recoveredAfterMs)}–${Math.max(...recoveredAfterMs)}ms ` +
        `and completed ${Math.min(...completedAfterMs)}–${Math.max(...completedAfterMs)}ms after the kill`,
    );

    for (const run of done) {
      expect(run.attempt).toBe(2);
      expect(run.result).toEqual({ pid: survivor.pid, attempt: 2 });
      // Not taken over before the lease the dead worker last held had lapsed.
      const lease = leasesBeforeKill.find((before) => before.id === run.id)!.lease_expires_at!;
      expect(run.started_at!.getTime()).toBeGreaterThanOrEqual(lease.getTime());
      const logs = await owner.runs.logs(run.id);
      expect(logs.map((line) => line.message)).toContain('worker lost: lease expired during attempt 1; handed back for another attempt');
    }
    expect(Math.max(...completedAfterMs)).toBeLessThan(LEASE_MS + 5000);
    expect(survivor.logsWith('recovered runs whose lease lapsed').length).toBeGreaterThan(0);

    // The dead worker's row stays, never marked stopped, its heartbeat frozen before the kill.
    const now = await cluster.now();
    const workers = await readWorkers();
    const dead = workers.find((row) => row.id === doomedId)!;
    expect(dead).toMatchObject({ role: 'worker', pid: doomed.pid, stopped_at: null });
    expect(dead.heartbeat_at.getTime()).toBeLessThanOrEqual(killedAt.getTime());
    expect(now.getTime() - dead.heartbeat_at.getTime()).toBeGreaterThan(LEASE_MS);
    const alive = workers.find((row) => row.id === survivorId)!;
    expect(now.getTime() - alive.heartbeat_at.getTime()).toBeLessThan(LEASE_MS);

    await cluster.stopGracefully([survivor]);
  });
});
