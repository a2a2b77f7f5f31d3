/**
 * Chaos scenario 6, graceful rollout: while per-second schedules fire and runs execute, the
 * `hourglass start` processes are stopped with SIGTERM one by one and each is started again
 * with a newer config (`CHAOS_CONFIG_VERSION=v2`: a code-defined per-second schedule is added,
 * and runs report the new version). A stopping process finishes its handlers within the grace
 * period or hands them back, and hands back the runs it had prefetched.
 *
 * Promises checked: every process exits cleanly; every slot of the old schedules and of the
 * added one has exactly one run, none missed; every run completes, and its handler completed
 * exactly once (a hand-back is not a second completion); after the rollout, runs report `v2`.
 *
 * Full: 3 processes, 30 schedules, 15 s between steps, 200 runs enqueued just before each stop.
 * Subset: 2 processes, 10 schedules, 1 s between steps, 40 runs per stop. One run in ten works
 * 8 s, longer than the grace period, so a stopping process usually hands one back. Needs
 * PostgreSQL and the built CLI.
 */
import { describe, expect, test } from 'vitest';
import { setupTestDatabase } from '../helpers/db.js';
import { setupCluster, type Cluster } from '../helpers/cluster.js';
import { chaosSize, reportChaos } from '../helpers/chaos-report.js';
import { createExecutionLog, groupByRun } from '../helpers/execution-log.js';
import { checkSlots, createPerSecondSchedules, floorToSecond, waitForSlotsFiredThrough } from '../helpers/slots.js';
import { waitFor } from '../helpers/wait.js';
import { chaosJobs } from '../fixtures/chaos-jobs.js';
import { ROLLOUT_SCHEDULE_KEY } from '../fixtures/chaos.config.js';

const env = setupTestDatabase();
const clusters = setupCluster(env);

/** Longer than the fixture config's shutdown grace (5 s): such runs get handed back. */
const LONG_RUN_MS = 8000;

interface Size {
  processes: number;
  schedules: number;
  runsPerStep: number;
  secondsBetweenSteps: number;
}

const size = chaosSize<Size>({
  subset: { processes: 2, schedules: 10, runsPerStep: 40, secondsBetweenSteps: 1 },
  full: { processes: 3, schedules: 30, runsPerStep: 200, secondsBetweenSteps: 15 },
});

function durationOf(index: number): number {
  return index % 10 === 0 ? LONG_RUN_MS : 300 + Math.round(((index * 0.6180339887) % 1) * 1200);
}

/** The added schedule and its first slot (the whole second after it was created). */
async function readRolloutSchedule(cluster: Cluster): Promise<{ id: string; firstSlot: Date; status: string }> {
  const { rows } = await cluster.db.query<{ id: string; created_at: Date; status: string }>(
    `select id, created_at, status from "${cluster.schema}".scheduled_jobs where key = $1`,
    [ROLLOUT_SCHEDULE_KEY],
  );
  const row = rows[0]!;
  return { id: row.id, status: row.status, firstSlot: new Date(Math.floor(row.created_at.getTime() / 1000) * 1000 + 1000) };
}

async function runGracefulRollout(size: Size): Promise<void> {
  const startedAt = performance.now();
  const log = createExecutionLog();
  const cluster = await clusters.create({ name: 'hg-chaos-rollout', config: 'chaos.config.ts', jobs: chaosJobs, env: log.env });
  const oldMembers = await cluster.start('start', size.processes, { label: 'start v1' });
  const firstSlots = await createPerSecondSchedules(cluster.owner, size.schedules, { jobType: 'chaos-work' });
  const enqueued: string[] = [];
  const stopMs: number[] = [];
  for (const [step, member] of oldMembers.entries()) {
    await cluster.waitForDatabaseTime(new Date((await cluster.now()).getTime() + size.secondsBetweenSteps * 1000));
    // Work for the stopping process to finish or hand back.
    enqueued.push(...(await cluster.owner.runs.enqueueMany(Array.from({ length: size.runsPerStep }, (_, index) => ({ jobType: 'chaos-work', payload: { ms: durationOf(index) } })))));
    const workerId = await member.waitUntilStarted();
    await waitFor(async () => (await cluster.countRuns(`worker_id = $1 and status = 'running'`, [workerId])) > 0, { message: `${member.label} to hold runs` });
    const stopping = performance.now();
    await cluster.stopGracefully([member]);
    stopMs.push(Math.round(performance.now() - stopping));
    await cluster.spawn('start', { label: `start v2 (${step + 1})`, env: { CHAOS_CONFIG_VERSION: 'v2' } }).waitUntilStarted();
  }
  const rolledOutAt = await cluster.now();
  const until = floorToSecond(new Date(rolledOutAt.getTime() + size.secondsBetweenSteps * 1000));
  await cluster.waitForDatabaseTime(until);
  await waitForSlotsFiredThrough(cluster.db, cluster.schema, until);
  const checked = `id = any($1::uuid[]) or (trigger in ('cron', 'catch_up') and scheduled_for <= $2)`;
  const ended = await cluster.settleRuns(checked, [enqueued, until], 120_000);
  await cluster.stopGracefully();

  const added = await readRolloutSchedule(cluster);
  const report = await checkSlots(cluster.db, cluster.schema, { firstSlots, until });
  const addedReport = await checkSlots(cluster.db, cluster.schema, { firstSlots: new Map([[added.id, added.firstSlot]]), until });
  const { rows: versions } = await cluster.db.query<{ version: string; n: number }>(
    `select result->>'version' as version, count(*)::int as n from "${cluster.schema}".job_runs where status = 'completed' and finished_at > $1 group by 1`,
    [rolledOutAt],
  );
  const { rows: checkedRuns } = await cluster.db.query<{ id: string }>(`select id from "${cluster.schema}".job_runs where ${checked}`, [enqueued, until]);
  const byRun = groupByRun(log.read());
  // How many times each checked run's handler completed.
  const completions = checkedRuns.map(({ id }) => (byRun.get(id) ?? []).filter((e) => e.end === 'completed').length);
  const handedBack = [...byRun.values()].flat().filter((e) => e.end === 'shutdown').length;
  await reportChaos('graceful-rollout', {
    sizes: size,
    figures: {
      restarts: oldMembers.length,
      slots: report.slots + addedReport.slots,
      runs: report.runs + addedReport.runs,
      duplicates: report.duplicates + addedReport.duplicates,
      misses: report.misses + addedReport.misses,
      addedScheduleSlots: addedReport.slots,
      enqueued: enqueued.length,
      completed: ended.completed ?? 0,
      handlersHandedBack: handedBack,
      longestStopMs: Math.max(...stopMs),
      handlersCompletedTwice: completions.filter((count) => count > 1).length,
      versionsAfterRollout: versions.map((row) => `${row.version}:${row.n}`).join('/'),
    },
    wallMs: performance.now() - startedAt,
  });

  for (const slots of [report, addedReport]) {
    expect(slots, slots.missing.join('\n')).toMatchObject({ duplicates: 0, misses: 0 });
    expect(slots.runs).toBe(slots.slots);
  }
  expect(added.status).toBe('active');
  expect(addedReport.slots).toBeGreaterThan(0);
  expect(ended).toEqual({ completed: enqueued.length + report.runs + addedReport.runs });
  expect(completions.filter((count) => count !== 1)).toEqual([]);
  expect(versions.map((row) => row.version)).toEqual(['v2']);
}

describe('start processes stopped with SIGTERM one by one and started with a newer config', () => {
  test('exit cleanly, lose and duplicate no run, and miss no slot while schedules fire', () => runGracefulRollout(size));
});
