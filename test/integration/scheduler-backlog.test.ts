/**
 * More schedules due at once than one tick takes (`scheduler.batchSize`): the running loop
 * drains the backlog in parallel lanes (`scheduler/scheduler.ts`), each tick locking its own
 * schedules with SKIP LOCKED. Every due slot becomes exactly one run and every schedule
 * advances once; the clock stands still, so nothing else comes due meanwhile.
 */
import { describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock } from '../helpers/clock.js';
import { waitFor } from '../helpers/wait.js';

const env = setupTestDatabase();

const noop = defineJob({ name: 'noop', async run() {} });

describe('a scheduler with a backlog larger than its batch', () => {
  test('fires every due schedule exactly once, in ticks no larger than the batch', async () => {
    const clock = createTestClock('2026-04-01T10:00:30Z');
    const hg = await env.create({ jobs: [noop], scheduler: { enabled: true, batchSize: 5 } }, { clock });
    const schedules = [];
    for (let index = 0; index < 23; index++) {
      schedules.push(await hg.schedules.create({ name: `minutely ${index}`, jobType: 'noop', cronExpression: '* * * * *' }));
    }
    const ticks: number[] = [];
    hg.on('scheduler:tick:completed', (tick) => ticks.push(tick.schedules));
    clock.set('2026-04-01T10:01:00Z');
    await hg.start();

    const rt = await hg.ready();
    const countRuns = async () => {
      const { rows } = await rt.db.query<{ n: number }>(`select count(*)::int as n from ${rt.schema.quoted}.job_runs`);
      return rows[0]!.n;
    };
    await waitFor(async () => (await countRuns()) >= schedules.length || null, { message: 'a run for every due schedule' });
    await hg.stop();

    expect(await countRuns()).toBe(schedules.length);
    for (const schedule of schedules) {
      const after = await hg.schedules.get(schedule.id);
      expect(after).toMatchObject({ runCount: 1, nextRunAt: new Date('2026-04-01T10:02:00Z') });
    }
    expect(Math.max(...ticks)).toBeLessThanOrEqual(5);
    expect(ticks.reduce((sum, n) => sum + n, 0)).toBe(schedules.length);
  });
});
