/**
 * What an operator's actions leave behind: the reason of a cancellation, and which schedules
 * may be deleted.
 */
import { describe, expect, test } from 'vitest';
import { defineJob, defineSchedule } from '../../src/define.js';
import { isHourglassError } from '../../src/errors.js';
import { setupTestDatabase } from '../helpers/db.js';
import { whenAborted } from '../helpers/deferred.js';
import { waitForEvent, waitForRunStatus } from '../helpers/wait.js';
import { setupSiblings } from '../helpers/siblings.js';

const env = setupTestDatabase();
const siblings = setupSiblings(env);

describe('cancelling a running run', () => {
  test('ends it with the reason the canceller gave, naming the actor', async () => {
    const hold = defineJob({ name: 'hold', async run(ctx) { await whenAborted(ctx.signal); } });
    const hg = await env.create({ jobs: [hold], worker: { enabled: true } });
    await hg.start();
    const claimed = waitForEvent(hg, 'run:claimed');
    const run = await hg.runs.enqueue({ jobType: 'hold' });
    await claimed;
    await hg.runs.cancel(run.id, { name: 'ops@example.com' });
    const ended = await waitForRunStatus(hg, run.id, ['cancelled']);
    expect(ended.errorMessage).toBe('cancelled by ops@example.com');
  });
});

describe('deleting schedules', () => {
  const sync = defineJob({ name: 'sync', async run() {} });
  const nightly = defineSchedule({ key: 'nightly', name: 'Nightly', cron: '0 2 * * *', target: { job: 'sync' } });

  test('a code-defined schedule cannot be deleted while its code exists; a retired one can', async () => {
    const hg = await env.create({ jobs: [sync], schedules: [nightly] });
    await hg.start();
    const error = await hg.schedules.delete('nightly').catch((caught: unknown) => caught);
    expect(isHourglassError(error, 'read_only_schedule')).toBe(true);
    expect((await hg.schedules.get('nightly')).key).toBe('nightly');

    // The next release no longer defines it: it is retired, and deleting it is cleanup.
    const next = await siblings.create(hg, { jobs: [sync], schedules: [] });
    await next.start();
    await next.schedules.delete('nightly');
    const gone = await next.schedules.get('nightly').catch((caught: unknown) => caught);
    expect(isHourglassError(gone, 'not_found')).toBe(true);
  });

  test('a schedule created through the API is deleted and its runs keep their history', async () => {
    const hg = await env.create({ jobs: [sync] });
    const schedule = await hg.schedules.create({ name: 'Ad hoc', jobType: 'sync', cronExpression: '0 3 * * *' });
    const { runs } = await hg.schedules.trigger(schedule.id);
    await hg.schedules.delete(schedule.id);
    const run = await hg.runs.get(runs[0]!.id);
    expect(run).toMatchObject({ scheduledJobId: null, scheduleName: 'Ad hoc' });
  });
});
