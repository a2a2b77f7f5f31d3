/**
 * Chaos scenario 1, exactly once at scale: several `hourglass start` processes (each a
 * scheduler, a worker and an API) race for the slots of many per-second schedules on one
 * PostgreSQL database. Every slot gets exactly one run, none is missed, none fires before its
 * instant, and every run completes.
 *
 * Full: 3 processes, 50 schedules, 2 minutes. Subset (inside `npm test`): 3 processes, 20
 * schedules, 10 seconds. Needs PostgreSQL (TEST_DATABASE_URL) and the built CLI.
 */
import { describe, expect, test } from 'vitest';
import { setupTestDatabase } from '../helpers/db.js';
import { setupCluster } from '../helpers/cluster.js';
import { chaosSize, reportChaos } from '../helpers/chaos-report.js';
import { checkSlots, createPerSecondSchedules, floorToSecond, slotCounts, waitForSlotsFiredThrough } from '../helpers/slots.js';
import { readSlotLateness } from '../helpers/slot-lateness.js';
import { chaosJobs } from '../fixtures/chaos-jobs.js';

const env = setupTestDatabase();
const clusters = setupCluster(env);

interface Size {
  processes: number;
  schedules: number;
  seconds: number;
}

const size = chaosSize<Size>({
  subset: { processes: 3, schedules: 20, seconds: 10 },
  full: { processes: 3, schedules: 50, seconds: 120 },
});

async function runExactlyOnceAtScale({ processes, schedules, seconds }: Size): Promise<void> {
  const startedAt = performance.now();
  const cluster = await clusters.create({ name: 'hg-chaos-once', config: 'chaos.config.ts', jobs: chaosJobs });
  const members = await cluster.start('start', processes);
  // Created once every process is up, so lateness measures racing schedulers, not start-up.
  const firstSlots = await createPerSecondSchedules(cluster.owner, schedules, { jobType: 'chaos-work' });
  const from = await cluster.now();
  await cluster.waitForDatabaseTime(new Date(from.getTime() + seconds * 1000));
  const until = floorToSecond(await cluster.now());
  await waitForSlotsFiredThrough(cluster.db, cluster.schema, until);
  const ended = await cluster.settleRuns(`trigger in ('cron', 'catch_up') and scheduled_for <= $1`, [until]);
  const firedBy = members.map((child) => child.logsWith('slot fired').length);
  await cluster.stopGracefully();

  const report = await checkSlots(cluster.db, cluster.schema, { firstSlots, until });
  const lateness = await readSlotLateness(cluster.db, cluster.schema, { scheduleIds: [...firstSlots.keys()], until });
  await reportChaos('exactly-once-at-scale', {
    sizes: { processes, schedules, seconds },
    figures: {
      ...slotCounts(report),
      completed: ended.completed ?? 0,
      firedByProcess: firedBy.join('/'),
      latenessP50Ms: lateness.fireP50Ms,
      latenessP99Ms: lateness.fireP99Ms,
      latenessMaxMs: lateness.fireMaxMs,
      startLatenessP99Ms: lateness.startP99Ms,
    },
    wallMs: performance.now() - startedAt,
  });

  expect(report.slots).toBeGreaterThanOrEqual(schedules * (seconds - 2));
  expect(report, report.missing.join('\n')).toMatchObject({ duplicates: 0, misses: 0, early: 0 });
  expect(report.runs).toBe(report.slots);
  expect(ended).toEqual({ completed: report.runs });
  // The race was real: more than one process won slots.
  expect(firedBy.filter((count) => count > 0).length).toBeGreaterThan(1);
}

describe('several start processes racing for per-second slots', () => {
  test('fire every slot exactly once, none early, none missed, and complete every run', () => runExactlyOnceAtScale(size));
});
