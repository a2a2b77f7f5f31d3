/**
 * Code-defined schedules (SPEC §5): synced at start-up, created `inactive` unless enabled,
 * their definition following the code while their runtime state survives, read-only through
 * the API except for their status, and retired when they leave the code.
 *
 * A restart with changed code is a second instance on the same schema with other definitions.
 */
import { describe, expect, test } from 'vitest';
import { defineJob, defineSchedule, type ScheduleDefinition } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock, type TestClock } from '../helpers/clock.js';
import { setupSiblings } from '../helpers/siblings.js';

const env = setupTestDatabase();
const siblings = setupSiblings(env);

const jobs = [
  defineJob({ name: 'sync', group: 'etl', async run() {} }),
  defineJob({ name: 'score', group: 'etl', dependsOn: ['sync'], async run() {} }),
];

const nightly = defineSchedule({ key: 'nightly', name: 'Nightly sync', cron: '0 2 * * *', target: { job: 'sync' } });
const hourly = defineSchedule({
  key: 'hourly',
  name: 'Hourly ETL',
  cron: '0 * * * *',
  target: { group: 'etl' },
  enabled: true,
  // Keys in an order jsonb does not keep (it sorts by length, then bytes).
  payload: { collectors: ['akeneo', 'shopify'], brand_id: 42 },
  metadata: { owner_team_name: 'data', tier: 1 },
});

const START = '2026-03-01T10:15:00Z';

async function startWith(schedules: ScheduleDefinition[], clock: TestClock): Promise<Hourglass> {
  const hg = await env.create({ jobs, schedules }, { clock });
  await hg.start();
  return hg;
}

/** The same application restarted with other code: a second instance on the schema. */
async function restartWith(hg: Hourglass, schedules: ScheduleDefinition[], clock: TestClock): Promise<Hourglass> {
  const next = await siblings.create(hg, { jobs, schedules }, { clock });
  await next.start();
  return next;
}

async function auditActions(hg: Hourglass, entityId: string): Promise<string[]> {
  const { rows } = await env.db().query<{ action: string }>(
    `select action from "${hg.config.schema}".audit_log where entity_id = $1 order by id`,
    [entityId],
  );
  return rows.map((row) => row.action);
}

describe('creation at start-up', () => {
  test('code schedules are created inactive unless enabled, beside database schedules', async () => {
    const clock = createTestClock(START);
    const hg = await startWith([nightly, hourly], clock);

    const off = await hg.schedules.get('nightly');
    expect(off).toMatchObject({ key: 'nightly', source: 'code', status: 'inactive', nextRunAt: null, executionMode: 'single_job', jobType: 'sync', createdBy: 'code' });
    const on = await hg.schedules.get('hourly');
    expect(on).toMatchObject({ source: 'code', status: 'active', executionMode: 'group', jobGroup: 'etl', payload: { brand_id: 42, collectors: ['akeneo', 'shopify'] } });
    expect(on.nextRunAt?.toISOString()).toBe('2026-03-01T11:00:00.000Z');

    const manual = await hg.schedules.create({ name: 'ad hoc', jobType: 'score', cronExpression: '*/5 * * * *' });
    expect(manual).toMatchObject({ source: 'api', status: 'active' });
    expect((await hg.schedules.list()).items.map((row) => row.name).sort()).toEqual(['Hourly ETL', 'Nightly sync', 'ad hoc']);

    clock.set('2026-03-01T11:00:00Z');
    await hg.tick();
    const fired = (await hg.runs.list()).items.map((run) => run.scheduleName);
    expect(fired.filter((name) => name === 'Hourly ETL')).toHaveLength(2);
    expect(fired).not.toContain('Nightly sync');
  });

  test('a code key already used by a database schedule stops start-up', async () => {
    const clock = createTestClock(START);
    const hg = await env.create({ jobs, schedules: [hourly] }, { clock });
    await hg.schedules.create({ key: 'hourly', name: 'made by hand', jobType: 'sync', cronExpression: '0 * * * *' });
    await expect(hg.start()).rejects.toMatchObject({ code: 'invalid_registry', message: expect.stringMatching(/"hourly"/) });
  });

  test('a key defined twice in code stops start-up', async () => {
    const clock = createTestClock(START);
    const hg = await env.create({ jobs, schedules: [hourly, { ...nightly, key: 'hourly' }] }, { clock });
    await expect(hg.start()).rejects.toMatchObject({ code: 'invalid_registry', message: expect.stringMatching(/defined twice/) });
  });
});

describe('changed definitions', () => {
  test('a changed definition updates the row but keeps its runtime state', async () => {
    const clock = createTestClock(START);
    const hg = await startWith([nightly, hourly], clock);
    await hg.schedules.trigger('hourly');
    await hg.schedules.pause('hourly', { note: 'vendor maintenance' });
    const before = await hg.schedules.get('hourly');
    expect(before).toMatchObject({ runCount: 1, status: 'paused' });

    const changed = { ...hourly, name: 'Hourly ETL (half past)', cron: '30 * * * *', payload: { brand_id: 43 } };
    const next = await restartWith(hg, [nightly, changed], clock);

    const after = await next.schedules.get('hourly');
    expect(after).toMatchObject({
      id: before.id,
      name: 'Hourly ETL (half past)',
      cronExpression: '30 * * * *',
      payload: { brand_id: 43 },
      status: 'paused',
      pauseNote: 'vendor maintenance',
      runCount: 1,
      lastRunId: before.lastRunId,
      updatedBy: 'code',
    });
    expect(after.lastRunAt?.getTime()).toBe(before.lastRunAt?.getTime());
    expect(after.nextRunAt?.toISOString()).toBe('2026-03-01T10:30:00.000Z');
    expect(after.version).toBeGreaterThan(before.version);
  });

  test('an unchanged definition leaves the row untouched', async () => {
    const clock = createTestClock(START);
    const hg = await startWith([nightly, hourly], clock);
    const before = await hg.schedules.get('hourly');

    const next = await restartWith(hg, [nightly, hourly], clock);

    const after = await next.schedules.get('hourly');
    expect(after.version).toBe(before.version);
    expect(after.updatedAt.getTime()).toBe(before.updatedAt.getTime());
    expect(await auditActions(next, before.id)).toEqual(['schedule.create']);
  });

  test("an operator's status survives a restart, and flipping enabled in code takes effect", async () => {
    const clock = createTestClock(START);
    const hg = await startWith([nightly, hourly], clock);
    await hg.schedules.enable('nightly');
    await hg.schedules.pause('hourly');

    const same = await restartWith(hg, [nightly, hourly], clock);
    expect((await same.schedules.get('nightly')).status).toBe('active');
    expect((await same.schedules.get('hourly')).status).toBe('paused');

    const flipped = await restartWith(hg, [{ ...nightly, enabled: true }, { ...hourly, enabled: false }], clock);
    const nowOff = await flipped.schedules.get('hourly');
    expect(nowOff).toMatchObject({ status: 'inactive', nextRunAt: null, pauseNote: null });
    expect((await flipped.schedules.get('nightly')).status).toBe('active');
  });
});

describe('read-only through the API', () => {
  test('only the status of a code schedule may change', async () => {
    const clock = createTestClock(START);
    const hg = await startWith([nightly, hourly], clock);
    const original = await hg.schedules.get('hourly');

    await expect(hg.schedules.update('hourly', { cronExpression: '5 * * * *' })).rejects.toMatchObject({ code: 'read_only_schedule', status: 409 });
    await expect(hg.schedules.update('hourly', { name: 'renamed', status: 'paused' })).rejects.toMatchObject({ code: 'read_only_schedule' });
    expect(await hg.schedules.get('hourly')).toMatchObject({ version: original.version, cronExpression: '0 * * * *', name: 'Hourly ETL' });

    expect(await hg.schedules.pause('hourly', { note: 'quiet hours' })).toMatchObject({ status: 'paused', pauseNote: 'quiet hours' });
    expect(await hg.schedules.resume('hourly')).toMatchObject({ status: 'active', pauseNote: null });
    expect(await hg.schedules.disable('hourly')).toMatchObject({ status: 'inactive', nextRunAt: null });
    const enabled = await hg.schedules.enable('hourly');
    expect(enabled.status).toBe('active');
    expect(enabled.nextRunAt?.toISOString()).toBe('2026-03-01T11:00:00.000Z');
    expect(await hg.schedules.update('hourly', { isActive: false })).toMatchObject({ status: 'inactive', cronExpression: '0 * * * *' });
  });

  test('database schedules stay fully editable beside code ones', async () => {
    const clock = createTestClock(START);
    const hg = await startWith([hourly], clock);
    const manual = await hg.schedules.create({ name: 'ad hoc', jobType: 'score', cronExpression: '0 * * * *' });
    const edited = await hg.schedules.update(manual.id, { name: 'ad hoc (edited)', cronExpression: '45 * * * *' });
    expect(edited).toMatchObject({ name: 'ad hoc (edited)', cronExpression: '45 * * * *', source: 'api' });
    expect(edited.nextRunAt?.toISOString()).toBe('2026-03-01T10:45:00.000Z');
  });
});

describe('retired keys', () => {
  test('a key that left the code becomes inactive and keeps its history', async () => {
    const clock = createTestClock(START);
    const hg = await startWith([nightly, hourly], clock);
    await hg.schedules.trigger('hourly');
    const manual = await hg.schedules.create({ name: 'ad hoc', jobType: 'score', cronExpression: '0 * * * *' });

    const next = await restartWith(hg, [nightly], clock);

    const retired = await next.schedules.get('hourly');
    expect(retired).toMatchObject({ source: 'code', status: 'inactive', nextRunAt: null, runCount: 1 });
    expect((await next.runs.list({ scheduledJobId: retired.id })).items).toHaveLength(2);
    expect((await next.schedules.get(manual.id)).status).toBe('active');
    expect((await next.schedules.get('nightly')).status).toBe('inactive');
    expect(await auditActions(next, retired.id)).toContain('schedule.retire');
  });

  test('a retired key that comes back to the code follows its definition again', async () => {
    const clock = createTestClock(START);
    const hg = await startWith([nightly, hourly], clock);
    await restartWith(hg, [nightly], clock);

    const back = await restartWith(hg, [nightly, hourly], clock);

    const schedule = await back.schedules.get('hourly');
    expect(schedule.status).toBe('active');
    expect(schedule.nextRunAt?.toISOString()).toBe('2026-03-01T11:00:00.000Z');
  });
});
