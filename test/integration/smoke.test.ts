import { describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock } from '../helpers/clock.js';
import { waitForRunStatus } from '../helpers/wait.js';

const env = setupTestDatabase();

const echo = defineJob({ name: 'echo', async run(ctx) { ctx.log.info('hello'); ctx.metrics.set('n', 1); return { ok: true }; } });

describe('smoke', () => {
  test('a due cron slot becomes one run that a worker completes', async () => {
    const clock = createTestClock('2026-01-01T10:00:30Z');
    const hg = await env.create({ jobs: [echo] }, { clock });
    const schedule = await hg.schedules.create({ name: 'every minute', jobType: 'echo', cronExpression: '* * * * *' });
    expect(schedule.nextRunAt?.toISOString()).toBe('2026-01-01T10:01:00.000Z');
    expect(await hg.tick()).toMatchObject({ schedules: 0, runs: 0 });
    clock.set('2026-01-01T10:01:00Z');
    const result = await hg.tick();
    expect(result).toMatchObject({ schedules: 1, runs: 1 });
    const page = await hg.runs.list({ scheduledJobId: schedule.id });
    expect(page.items).toHaveLength(1);
    const run = page.items[0]!;
    expect(run).toMatchObject({ trigger: 'cron', status: 'pending', jobType: 'echo' });
    expect(run.scheduledFor?.toISOString()).toBe('2026-01-01T10:01:00.000Z');
    const after = await hg.schedules.get(schedule.id);
    expect(after.nextRunAt?.toISOString()).toBe('2026-01-01T10:02:00.000Z');
    expect(after.runCount).toBe(1);
  });

  test('a worker runs an enqueued run to completion with logs and metrics', async () => {
    const hg = await env.create({ jobs: [echo], worker: { enabled: true } });
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'echo' });
    const done = await waitForRunStatus(hg, run.id, ['completed']);
    expect(done.attempt).toBe(1);
    expect(done.metrics).toMatchObject({ n: 1 });
    expect(done.result).toEqual({ ok: true });
    const logs = await hg.runs.logs(run.id);
    expect(logs.map((line) => line.message)).toContain('hello');
  });
});
