/**
 * Exactly one run per slot when several schedulers race on one PostgreSQL database (SPEC §2
 * unique slot index, §3 database clock, §4 "scheduler correctness needs no lock columns"):
 * - in one process, four instances with their own connection pools tick together on a
 *   controlled clock;
 * - four `hourglass scheduler` processes run their real loops on the real clock;
 * - schedulers whose process clocks are five minutes ahead or behind neither fire early nor
 *   twice, because the database clock decides what is due.
 *
 * Needs PostgreSQL (TEST_DATABASE_URL) and the built CLI (`npm run build`).
 */
import { describe, expect, test } from 'vitest';
import { createHourglass, type Hourglass } from '../../src/hourglass.js';
import { createPostgresDatabase } from '../../src/db/pg.js';
import type { Database } from '../../src/db/database.js';
import { silentLogger } from '../../src/logger.js';
import type { TickResult } from '../../src/scheduler/tick.js';
import { setupTestDatabase } from '../helpers/db.js';
import { setupCluster, type Cluster } from '../helpers/cluster.js';
import { createTestClock } from '../helpers/clock.js';
import { databaseUrlFor, uniqueApplicationName } from '../helpers/processes.js';
import { checkSlots, createPerSecondSchedules, floorToSecond, waitForSlotsFiredThrough } from '../helpers/slots.js';
import { fixtureJobs } from '../fixtures/jobs.js';

const env = setupTestDatabase();
const clusters = setupCluster(env);

/** Ticks until the instance finds nothing more due (small batches make the instances interleave). */
async function drain(hourglass: Hourglass, results: TickResult[]): Promise<void> {
  for (;;) {
    const result = await hourglass.tick();
    results.push(result);
    if (!result.hasMore) return;
  }
}

async function totalRunCount(schema: string): Promise<{ counted: number; rows: number }> {
  const { rows } = await env.db().query<{ counted: number; rows: number }>(
    `select (select coalesce(sum(run_count), 0)::int from "${schema}".scheduled_jobs) as counted,
            (select count(*)::int from "${schema}".job_runs where trigger in ('cron', 'catch_up')) as rows`,
  );
  return rows[0]!;
}

/** Waits until `seconds` more have passed on the database clock. */
async function secondsPass(cluster: Cluster, seconds: number): Promise<Date> {
  return cluster.waitForDatabaseTime(new Date((await cluster.now()).getTime() + seconds * 1000));
}

describe('four instances ticking together on a controlled clock', () => {
  test('fire every slot of fifty per-second schedules exactly once over twenty seconds', async () => {
    const start = Date.parse('2030-01-01T00:00:00.000Z');
    const clock = createTestClock(new Date(start + 250));
    const owner = await env.create({ jobs: fixtureJobs }, { clock });
    const schema = owner.config.schema;
    const firstSlots = await createPerSecondSchedules(owner, 50);
    const applicationName = uniqueApplicationName('hg-once-tick');
    const databases: Database[] = [];
    const instances: Hourglass[] = [];
    try {
      for (let index = 0; index < 4; index += 1) {
        const database = await createPostgresDatabase({ connectionString: databaseUrlFor(applicationName), maxConnections: 3 });
        databases.push(database);
        const instance = createHourglass(
          { schema, logLevel: 'silent', jobs: fixtureJobs, scheduler: { enabled: false, batchSize: 8 }, worker: { enabled: false } },
          { database, clock, logger: silentLogger },
        );
        await instance.ready();
        instances.push(instance);
      }
      const firedBy = instances.map(() => 0);
      const reports = new Map<string, number>();
      instances.forEach((instance, index) =>
        instance.on('schedule:fired', (event) => {
          firedBy[index]! += 1;
          const key = `${event.scheduleId}|${event.slot?.getTime()}`;
          reports.set(key, (reports.get(key) ?? 0) + 1);
        }),
      );

      const seconds = 20;
      const results: TickResult[] = [];
      for (let second = 1; second <= seconds; second += 1) {
        clock.set(new Date(start + second * 1000));
        await Promise.all(instances.map((instance) => drain(instance, results)));
      }

      const report = await checkSlots(env.db(), schema, { firstSlots, until: clock.current() });
      const counts = await totalRunCount(schema);
      console.log(
        `[exactly-once/tick] slots=${report.slots} runs=${report.runs} duplicates=${report.duplicates} misses=${report.misses} ` +
          `ticks=${results.length} fired by instance=${firedBy.join('/')}`,
      );
      expect(report).toMatchObject({ slots: 50 * seconds, runs: 50 * seconds, duplicates: 0, misses: 0, early: 0 });
      // The first guard held: no instance fired a slot another one fired (the unique index had
      // nothing to drop), since every planned firing is counted in run_count and reported once.
      expect(counts).toEqual({ counted: 50 * seconds, rows: 50 * seconds });
      expect(results.reduce((sum, result) => sum + result.runs, 0)).toBe(50 * seconds);
      expect([...reports.values()].every((count) => count === 1)).toBe(true);
      expect(reports.size).toBe(50 * seconds);
      // The race was real: more than one instance won slots.
      expect(firedBy.filter((count) => count > 0).length).toBeGreaterThan(1);
    } finally {
      for (const instance of instances) await instance.stop();
      for (const database of databases) await database.close();
    }
  });
});

describe('four scheduler processes on the real clock', () => {
  test('fire every slot of fifty per-second schedules exactly once for more than ten seconds', async () => {
    const cluster = await clusters.create({ name: 'hg-once-procs' });
    const schema = cluster.schema;
    const firstSlots = await createPerSecondSchedules(cluster.owner, 50, { missedRunPolicy: 'catch_up' });
    const schedulers = await cluster.start('scheduler', 4);
    await secondsPass(cluster, 11);
    const until = floorToSecond(await cluster.now());
    await waitForSlotsFiredThrough(cluster.db, schema, until);
    await cluster.stopGracefully();

    const report = await checkSlots(cluster.db, schema, { firstSlots, until });
    const counts = await totalRunCount(schema);
    const firedBy = schedulers.map((child) => child.logsWith('slot fired').length);
    console.log(
      `[exactly-once/processes] slots=${report.slots} runs=${report.runs} duplicates=${report.duplicates} misses=${report.misses} ` +
        `early=${report.early} lateness median=${report.medianLateMs}ms max=${report.maxLateMs}ms fired by process=${firedBy.join('/')}`,
    );
    expect(report.slots).toBeGreaterThanOrEqual(500);
    expect(report, report.missing.join('\n')).toMatchObject({ duplicates: 0, misses: 0, early: 0 });
    expect(report.runs).toBe(report.slots);
    expect(counts.counted).toBe(counts.rows);
    expect(firedBy.filter((count) => count > 0).length).toBeGreaterThan(1);
  });
});

describe('schedulers whose process clocks are off the database clock', () => {
  test('fire no slot before its instant and none twice when clocks are five minutes ahead and behind', async () => {
    const cluster = await clusters.create({ name: 'hg-once-skew' });
    const schema = cluster.schema;
    const firstSlots = await createPerSecondSchedules(cluster.owner, 10);
    const skewMs = 5 * 60_000;
    const spawnSkewed = (skew: number, label: string) => cluster.spawn('scheduler', { label, env: { TEST_CLOCK_SKEW_MS: String(skew) } });

    // Each skewed scheduler first runs alone, so it alone decides when those slots fire; then
    // both race with a scheduler whose clock is right.
    const ahead = spawnSkewed(skewMs, 'scheduler +5 min');
    await ahead.waitUntilStarted();
    await secondsPass(cluster, 3);
    const behind = spawnSkewed(-skewMs, 'scheduler -5 min');
    await behind.waitUntilStarted();
    const aheadAlone = ahead.logsWith('slot fired').length;
    await cluster.stopGracefully([ahead]);
    await secondsPass(cluster, 3);
    const behindAlone = behind.logsWith('slot fired').length;
    const aheadAgain = spawnSkewed(skewMs, 'scheduler +5 min (again)');
    const normal = cluster.spawn('scheduler', { label: 'scheduler on time' });
    await Promise.all([aheadAgain.waitUntilStarted(), normal.waitUntilStarted()]);
    await secondsPass(cluster, 4);
    const until = floorToSecond(await cluster.now());
    await waitForSlotsFiredThrough(cluster.db, schema, until);
    const racing = [behind, aheadAgain, normal];
    await cluster.stopGracefully(racing);

    // The skew was real: their log stamps (process clock) are five minutes off.
    for (const [child, expected] of [[ahead, skewMs], [behind, -skewMs], [aheadAgain, skewMs]] as const) {
      expect(child.output()).toContain(`test clock skew: ${expected} ms`);
      const started = child.logsWith('hourglass started')[0]!;
      expect(Math.abs(started.time - Date.now() - expected)).toBeLessThan(60_000);
    }
    const report = await checkSlots(cluster.db, schema, { firstSlots, until });
    const firedBy = [ahead, ...racing].map((child) => child.logsWith('slot fired').length);
    console.log(
      `[exactly-once/skew] slots=${report.slots} runs=${report.runs} duplicates=${report.duplicates} misses=${report.misses} ` +
        `early=${report.early} lateness median=${report.medianLateMs}ms max=${report.maxLateMs}ms ` +
        `fired alone by +5min/-5min=${aheadAlone}/${behindAlone} ` +
        `fired in total by +5min/-5min/+5min again/normal=${firedBy.join('/')}`,
    );
    expect(report, report.missing.join('\n')).toMatchObject({ duplicates: 0, misses: 0, early: 0 });
    expect(report.runs).toBe(report.slots);
    // Neither clock held slots back: nothing came close to the skew or the late tolerance.
    expect(report.maxLateMs).toBeLessThan(30_000);
    // Each skewed scheduler fired slots while it was alone.
    expect(aheadAlone).toBeGreaterThan(0);
    expect(behindAlone).toBeGreaterThan(0);
  });
});
