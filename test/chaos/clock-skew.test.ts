/**
 * Chaos scenario 5, clock skew: one `hourglass start` process runs with its clock minutes ahead
 * (the clock seam of test/fixtures/skew-clock.ts: `Date` is shifted, the database clock is
 * not). It first fires per-second slots alone, then races two processes whose clocks are
 * right. Because the database clock decides what is due, no slot fires before its instant or
 * twice, none is missed, and no handler starts before its slot by the real clock.
 *
 * Full: 3 processes (one 5 minutes ahead), 30 schedules, 30 s alone then 60 s racing. Subset:
 * 3 processes, 10 schedules, 4 s alone then 6 s racing. Needs PostgreSQL and the built CLI.
 */
import { describe, expect, test } from 'vitest';
import { setupTestDatabase } from '../helpers/db.js';
import { setupCluster } from '../helpers/cluster.js';
import { chaosSize, reportChaos } from '../helpers/chaos-report.js';
import { createExecutionLog } from '../helpers/execution-log.js';
import { checkSlots, createPerSecondSchedules, floorToSecond, slotCounts, waitForSlotsFiredThrough } from '../helpers/slots.js';
import { readSlotLateness } from '../helpers/slot-lateness.js';
import { chaosJobs } from '../fixtures/chaos-jobs.js';

const env = setupTestDatabase();
const clusters = setupCluster(env);

/** A handler start this much before its slot (real clock, same machine) counts as early. */
const CLOCK_TOLERANCE_MS = 50;

interface Size {
  processes: number;
  skewMs: number;
  schedules: number;
  aloneSeconds: number;
  racingSeconds: number;
}

const size = chaosSize<Size>({
  subset: { processes: 3, skewMs: 5 * 60_000, schedules: 10, aloneSeconds: 4, racingSeconds: 6 },
  full: { processes: 3, skewMs: 5 * 60_000, schedules: 30, aloneSeconds: 30, racingSeconds: 60 },
});

async function runClockSkew(size: Size): Promise<void> {
  const startedAt = performance.now();
  const log = createExecutionLog();
  const cluster = await clusters.create({ name: 'hg-chaos-skew', config: 'chaos.config.ts', jobs: chaosJobs, env: log.env });
  const [skewed] = await cluster.start('start', 1, { label: 'start (clock ahead)', env: { TEST_CLOCK_SKEW_MS: String(size.skewMs) } });
  const skewedStartSeenAt = Date.now();
  const firstSlots = await createPerSecondSchedules(cluster.owner, size.schedules, { jobType: 'chaos-work' });
  await cluster.waitForDatabaseTime(new Date((await cluster.now()).getTime() + size.aloneSeconds * 1000));
  const firedAlone = skewed!.logsWith('slot fired').length;
  const others = await cluster.start('start', size.processes - 1);
  await cluster.waitForDatabaseTime(new Date((await cluster.now()).getTime() + size.racingSeconds * 1000));
  const until = floorToSecond(await cluster.now());
  await waitForSlotsFiredThrough(cluster.db, cluster.schema, until);
  const ended = await cluster.settleRuns(`trigger in ('cron', 'catch_up') and scheduled_for <= $1`, [until]);
  const firedBy = [skewed!, ...others].map((child) => child.logsWith('slot fired').length);
  await cluster.stopGracefully();

  const report = await checkSlots(cluster.db, cluster.schema, { firstSlots, until });
  const lateness = await readSlotLateness(cluster.db, cluster.schema, { scheduleIds: [...firstSlots.keys()], until });
  const { rows } = await cluster.db.query<{ id: string; scheduled_for: Date }>(`select id, scheduled_for from "${cluster.schema}".job_runs where scheduled_for is not null`);
  const slotOf = new Map(rows.map((row) => [row.id, row.scheduled_for.getTime()]));
  const executions = log.read().filter((e) => slotOf.has(e.runId));
  const earlyStarts = executions.filter((e) => e.startedAt < slotOf.get(e.runId)! - CLOCK_TOLERANCE_MS);
  const skewedStarted = skewed!.logsWith('hourglass started')[0]!;
  await reportChaos('clock-skew', {
    sizes: size,
    figures: {
      ...slotCounts(report),
      earlyHandlerStarts: earlyStarts.length,
      firedAloneBySkewed: firedAlone,
      firedByProcess: firedBy.join('/'),
      handlersRunBySkewed: executions.filter((e) => e.pid === skewed!.pid).length,
      latenessP99Ms: lateness.fireP99Ms,
      latenessMaxMs: lateness.fireMaxMs,
      completed: ended.completed ?? 0,
    },
    wallMs: performance.now() - startedAt,
  });

  // The skew was real: the process says so, and its log stamps (its clock) are ahead.
  expect(skewed!.output()).toContain(`test clock skew: ${size.skewMs} ms`);
  expect(Math.abs(skewedStarted.time - skewedStartSeenAt - size.skewMs)).toBeLessThan(30_000);
  expect(report, report.missing.join('\n')).toMatchObject({ duplicates: 0, misses: 0, early: 0 });
  expect(report.runs).toBe(report.slots);
  expect(earlyStarts).toEqual([]);
  expect(firedAlone).toBeGreaterThan(0);
  // The skewed clock held nothing back either.
  expect(lateness.fireMaxMs).toBeLessThan(size.skewMs / 10);
  expect(ended).toEqual({ completed: report.runs });
}

describe('a start process whose clock is minutes ahead, alone and then racing others', () => {
  test('fires no slot early or twice, misses none, and starts no handler before its slot', () => runClockSkew(size));
});
