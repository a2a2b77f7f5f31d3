/**
 * The schedules service (SPEC §6): defaults on create, errors that name their field and write
 * nothing, updates with optimistic concurrency, status transitions, lists with filters and
 * cursors, and tenant scoping through the actor.
 */
import { describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import type { ScheduleInput } from '../../src/services/schedule-input.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock } from '../helpers/clock.js';
import { rejected } from '../helpers/errors.js';

const env = setupTestDatabase();

const jobs = [
  defineJob({ name: 'sync', group: 'etl', async run() {} }),
  defineJob({ name: 'report', group: 'etl', async run() {} }),
  defineJob({ name: 'cleanup', async run() {} }),
];
const NOW = '2026-07-01T08:30:00Z';
const nightly: ScheduleInput = { name: 'Nightly sync', jobType: 'sync', cronExpression: '0 2 * * *' };

async function setup(now = NOW) {
  const clock = createTestClock(now);
  const hg = await env.create({ jobs }, { clock });
  return { hg, clock };
}

/** Fields compared in snake_case: zod names camelCase paths, the cross-field checks snake_case. */
const snake = (field: string | undefined) => field?.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

async function countRows(hg: Hourglass) {
  const { db } = await hg.ready();
  const schema = `"${hg.config.schema}"`;
  const { rows } = await db.query<{ schedules: number; audit: number }>(
    `select (select count(*)::int from ${schema}.scheduled_jobs) as schedules, (select count(*)::int from ${schema}.audit_log) as audit`,
  );
  return rows[0]!;
}

async function auditActions(hg: Hourglass) {
  const { db } = await hg.ready();
  const { rows } = await db.query<{ actor: string; action: string; entity_id: string }>(`select actor, action, entity_id from "${hg.config.schema}".audit_log order by id`);
  return rows;
}

describe('creating a schedule', () => {
  test('fills the SPEC defaults and waits for the first slot after now in the schedule zone', async () => {
    const { hg } = await setup();
    const created = await hg.schedules.create({ name: 'London morning', jobType: 'sync', cronExpression: '0 9 * * *', timezone: 'Europe/London' });
    expect(created).toMatchObject({ status: 'active', executionMode: 'single_job', scheduleType: 'cron', source: 'api', version: 1, createdBy: 'library' });
    // 09:00 BST is 08:00 UTC, already past at 08:30 UTC: the next one is tomorrow's.
    expect(created.nextRunAt?.toISOString()).toBe('2026-07-02T08:00:00.000Z');
    const utc = await hg.schedules.create(nightly);
    expect(utc.timezone).toBe('UTC');
    expect(utc.nextRunAt?.toISOString()).toBe('2026-07-02T02:00:00.000Z');
  });

  test('isActive false creates an inactive schedule without a next run', async () => {
    const { hg } = await setup();
    const created = await hg.schedules.create({ ...nightly, isActive: false });
    expect(created.status).toBe('inactive');
    expect(created.nextRunAt).toBeNull();
  });
});

describe('bad input on create', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['an unparseable cron', { ...nightly, cronExpression: 'every day at two' }, 'invalid_cron', 'cron_expression'],
    ['a cron with a year field', { ...nightly, cronExpression: '0 0 2 * * * 2026' }, 'invalid_cron', 'cron_expression'],
    ['an unknown zone', { ...nightly, timezone: 'Mars/Olympus_Mons' }, 'invalid_timezone', 'timezone'],
    ['an empty zone', { ...nightly, timezone: '' }, 'invalid_timezone', 'timezone'],
    ['an unknown job type', { ...nightly, jobType: 'nope' }, 'unknown_job_type', 'job_type'],
    ['an unknown job group', { name: 'g', jobGroup: 'nope', cronExpression: '0 2 * * *' }, 'unknown_job_group', 'job_group'],
    ['a missing name', { jobType: 'sync', cronExpression: '0 2 * * *' }, 'validation_error', 'name'],
    ['a number as name', { ...nightly, name: 42 }, 'validation_error', 'name'],
    ['a string as interval', { name: 'i', jobType: 'sync', intervalSeconds: '60' }, 'validation_error', 'interval_seconds'],
    ['an array as payload', { ...nightly, payload: [1] }, 'validation_error', 'payload'],
    ['an unknown field', { ...nightly, colour: 'red' }, 'validation_error', 'colour'],
    ['a negative jitter', { ...nightly, jitterSeconds: -5 }, 'validation_error', 'jitter_seconds'],
    ['isActive contradicting status', { ...nightly, isActive: false, status: 'active' }, 'validation_error', 'is_active'],
    ['a once schedule without runAt', { name: 'o', jobType: 'sync', scheduleType: 'once' }, 'validation_error', 'run_at'],
    ['a blackout window with a bad date', { ...nightly, exclusions: [{ from: 'tomorrow', until: '2026-12-25' }] }, 'validation_error', 'exclusions[0].from'],
    ['a blackout window of unknown shape', { ...nightly, exclusions: [{ start: '2026-12-24' }] }, 'validation_error', 'exclusions[0]'],
  ];

  test.each(cases)('%s is refused with a clear error naming the field and writes nothing', async (_, input, code, field) => {
    const { hg } = await setup();
    await hg.schedules.create({ ...nightly, key: 'existing' });
    const before = await countRows(hg);
    const error = await rejected(hg.schedules.create(input as ScheduleInput));
    expect({ code: error.code, field: snake(error.field) }).toEqual({ code, field });
    expect(error.message.length).toBeGreaterThan(10);
    expect(await countRows(hg)).toEqual(before);
  });

  test('a duplicate key is a conflict and writes nothing', async () => {
    const { hg } = await setup();
    await hg.schedules.create({ ...nightly, key: 'daily-sync' });
    const before = await countRows(hg);
    const error = await rejected(hg.schedules.create({ ...nightly, name: 'Other', key: 'daily-sync' }));
    expect({ code: error.code, field: error.field }).toEqual({ code: 'conflict', field: 'key' });
    expect(await countRows(hg)).toEqual(before);
  });
});

describe('updating a schedule', () => {
  test('changes the given fields, bumps the version and records the actor', async () => {
    const { hg } = await setup();
    const created = await hg.schedules.create(nightly);
    const updated = await hg.schedules.update(created.id, { name: 'Renamed', priority: 5 }, { version: 1, actor: { name: 'ops@example.com' } });
    expect(updated).toMatchObject({ name: 'Renamed', priority: 5, version: 2, updatedBy: 'ops@example.com', cronExpression: '0 2 * * *' });
    expect(updated.nextRunAt).toEqual(created.nextRunAt);
  });

  test('with a stale version is a conflict and changes nothing', async () => {
    const { hg } = await setup();
    const created = await hg.schedules.create(nightly);
    await hg.schedules.update(created.id, { name: 'First edit' }, { version: 1 });
    const before = await countRows(hg);
    const error = await rejected(hg.schedules.update(created.id, { name: 'Second edit' }, { version: 1 }));
    expect(error.code).toBe('conflict');
    expect(await hg.schedules.get(created.id)).toMatchObject({ name: 'First edit', version: 2 });
    expect(await countRows(hg)).toEqual(before);
  });

  test('recomputes the next run when the cron changes', async () => {
    const { hg } = await setup();
    const created = await hg.schedules.create(nightly);
    const updated = await hg.schedules.update(created.id, { cronExpression: '45 8 * * *' });
    expect(updated.nextRunAt?.toISOString()).toBe('2026-07-01T08:45:00.000Z');
  });

  test('switching a cron schedule to an interval clears the cron and changes the schedule type', async () => {
    const { hg, clock } = await setup();
    const created = await hg.schedules.create(nightly);
    const updated = await hg.schedules.update(created.id, { intervalSeconds: 600 });
    expect(updated).toMatchObject({ scheduleType: 'interval', intervalSeconds: 600, cronExpression: null });
    expect(updated.nextRunAt?.getTime()).toBe(clock.current().getTime() + 600_000);
  });

  test('switching a single-job schedule to a group or a list changes the execution mode', async () => {
    const { hg } = await setup();
    const created = await hg.schedules.create(nightly);
    const group = await hg.schedules.update(created.id, { jobGroup: 'etl' });
    expect(group).toMatchObject({ executionMode: 'group', jobGroup: 'etl', jobType: null });
    const list = await hg.schedules.update(created.id, { jobTypes: ['sync', 'cleanup'] });
    expect(list).toMatchObject({ executionMode: 'custom', jobTypes: ['sync', 'cleanup'], jobGroup: null });
  });

  test('of an unknown schedule is not_found', async () => {
    const { hg } = await setup();
    expect((await rejected(hg.schedules.update('2b1f0c4e-0000-4000-8000-000000000000', { name: 'x' }))).code).toBe('not_found');
    expect((await rejected(hg.schedules.update('no-such-key', { name: 'x' }))).code).toBe('not_found');
  });

  test('get finds a schedule by id and by key', async () => {
    const { hg } = await setup();
    const created = await hg.schedules.create({ ...nightly, key: 'daily-sync' });
    expect((await hg.schedules.get(created.id)).key).toBe('daily-sync');
    expect((await hg.schedules.get('daily-sync')).id).toBe(created.id);
    expect((await rejected(hg.schedules.get('missing'))).code).toBe('not_found');
  });
});

describe('status transitions', () => {
  test('pause keeps the next run and records the note and until; resume clears them', async () => {
    const { hg } = await setup();
    const created = await hg.schedules.create(nightly);
    const paused = await hg.schedules.pause(created.id, { note: 'deploy freeze', until: '2026-07-03T00:00:00Z' });
    expect(paused).toMatchObject({ status: 'paused', pauseNote: 'deploy freeze' });
    expect(paused.pausedUntil?.toISOString()).toBe('2026-07-03T00:00:00.000Z');
    expect(paused.nextRunAt).toEqual(created.nextRunAt);
    const resumed = await hg.schedules.resume(created.id);
    expect(resumed).toMatchObject({ status: 'active', pauseNote: null, pausedUntil: null });
    expect(resumed.nextRunAt).toEqual(created.nextRunAt);
  });

  test('pause until an instant in the past is a validation_error and changes nothing', async () => {
    const { hg } = await setup();
    const created = await hg.schedules.create(nightly);
    const before = await countRows(hg);
    const error = await rejected(hg.schedules.pause(created.id, { until: '2026-07-01T08:00:00Z' }));
    expect({ code: error.code, field: error.field }).toEqual({ code: 'validation_error', field: 'until' });
    expect((await hg.schedules.get(created.id)).status).toBe('active');
    expect(await countRows(hg)).toEqual(before);
  });

  test('disable clears the next run; enable computes a fresh one after now', async () => {
    const { hg, clock } = await setup();
    const created = await hg.schedules.create(nightly);
    const disabled = await hg.schedules.disable(created.id);
    expect(disabled).toMatchObject({ status: 'inactive', nextRunAt: null });
    clock.set('2026-07-05T12:00:00Z');
    const enabled = await hg.schedules.enable(created.id);
    expect(enabled.status).toBe('active');
    expect(enabled.nextRunAt?.toISOString()).toBe('2026-07-06T02:00:00.000Z');
  });

  test('resuming an inactive schedule is invalid_state', async () => {
    const { hg } = await setup();
    const created = await hg.schedules.create({ ...nightly, isActive: false });
    expect((await rejected(hg.schedules.resume(created.id))).code).toBe('invalid_state');
    expect((await hg.schedules.get(created.id)).status).toBe('inactive');
  });

  test('every change is in the audit log with its actor', async () => {
    const { hg } = await setup();
    const ops = { name: 'ops@example.com' };
    const created = await hg.schedules.create(nightly, ops);
    await hg.schedules.update(created.id, { priority: 1 }, { actor: ops });
    await hg.schedules.pause(created.id, {}, ops);
    await hg.schedules.resume(created.id, ops);
    await hg.schedules.disable(created.id, ops);
    await hg.schedules.enable(created.id, ops);
    await hg.schedules.trigger(created.id, {}, ops);
    await hg.schedules.delete(created.id, ops);
    const rows = await auditActions(hg);
    expect(rows.map((row) => row.action)).toEqual([
      'schedule.create', 'schedule.update', 'schedule.pause', 'schedule.resume',
      'schedule.disable', 'schedule.enable', 'schedule.trigger', 'schedule.delete',
    ]);
    expect(rows.every((row) => row.actor === 'ops@example.com' && row.entity_id === created.id)).toBe(true);
  });
});

describe('listing schedules', () => {
  async function seed(hg: Hourglass) {
    await hg.schedules.create({ ...nightly, name: 'Alpha sync', key: 'alpha' });
    await hg.schedules.create({ ...nightly, name: 'Beta report', key: 'beta-REPORT', jobType: 'report', isActive: false });
    await hg.schedules.create({ ...nightly, name: 'Gamma cleanup', key: 'gamma', jobType: 'cleanup', source: 'import', tenantId: 'acme' });
    await hg.schedules.create({ name: 'Delta batch', jobTypes: ['report', 'cleanup'], cronExpression: '0 4 * * *', tenantId: 'acme' });
    const paused = await hg.schedules.create({ ...nightly, name: 'Same name' });
    await hg.schedules.pause(paused.id);
    await hg.schedules.create({ ...nightly, name: 'Same name' });
  }
  const names = (page: { items: Array<{ name: string }> }) => page.items.map((item) => item.name);

  test('filters by status, source, job type, search and tenant', async () => {
    const { hg } = await setup();
    await seed(hg);
    expect(names(await hg.schedules.list({ status: 'inactive' }))).toEqual(['Beta report']);
    expect(names(await hg.schedules.list({ status: 'paused' }))).toEqual(['Same name']);
    expect(names(await hg.schedules.list({ source: 'import' }))).toEqual(['Gamma cleanup']);
    expect(names(await hg.schedules.list({ jobType: 'cleanup' }))).toEqual(['Delta batch', 'Gamma cleanup']);
    expect(names(await hg.schedules.list({ search: 'REPORT' }))).toEqual(['Beta report']);
    expect(names(await hg.schedules.list({ search: 'alph' }))).toEqual(['Alpha sync']);
    expect(names(await hg.schedules.list({ search: 'gAmMa' }))).toEqual(['Gamma cleanup']);
    expect(names(await hg.schedules.list({ tenantId: 'acme' }))).toEqual(['Delta batch', 'Gamma cleanup']);
    expect(names(await hg.schedules.list({ tenantId: null }))).toHaveLength(4);
  });

  test('pages of two walk every schedule exactly once', async () => {
    const { hg } = await setup();
    await seed(hg);
    const all = await hg.schedules.list();
    expect(all.items).toHaveLength(6);
    expect(all.nextCursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await hg.schedules.list({ limit: 2, cursor });
      expect(result.items.length).toBeLessThanOrEqual(2);
      seen.push(...result.items.map((item) => item.id));
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(all.items.map((item) => item.id));
    expect(new Set(seen).size).toBe(6);
  });

  test('a cursor that was not returned by a page is a validation_error on cursor', async () => {
    const { hg } = await setup();
    for (const cursor of ['garbage!', Buffer.from('["only one"]').toString('base64url')]) {
      const error = await rejected(hg.schedules.list({ cursor }));
      expect({ code: error.code, field: error.field }).toEqual({ code: 'validation_error', field: 'cursor' });
    }
  });
});

describe('tenant scoping of schedules', () => {
  const alice = { name: 'alice', tenantId: 'tenant-a' };
  const bob = { name: 'bob', tenantId: 'tenant-b' };

  test("an actor bound to a tenant neither sees nor touches another tenant's schedules", async () => {
    const { hg } = await setup();
    const theirs = await hg.schedules.create({ ...nightly, key: 'b-nightly' }, bob);
    expect(theirs.tenantId).toBe('tenant-b');
    const before = await countRows(hg);
    for (const call of [
      () => hg.schedules.get(theirs.id, alice),
      () => hg.schedules.get('b-nightly', alice),
      () => hg.schedules.update(theirs.id, { name: 'hijacked' }, { actor: alice }),
      () => hg.schedules.pause(theirs.id, {}, alice),
      () => hg.schedules.disable(theirs.id, alice),
      () => hg.schedules.trigger(theirs.id, {}, alice),
      () => hg.schedules.delete(theirs.id, alice),
    ]) {
      expect((await rejected(call())).code).toBe('not_found');
    }
    expect(await countRows(hg)).toEqual(before);
    expect((await hg.schedules.list({}, alice)).items).toEqual([]);
    expect((await rejected(hg.schedules.list({ tenantId: 'tenant-b' }, alice))).code).toBe('forbidden');
  });

  test('schedules an actor creates land in its tenant, and another tenant is refused', async () => {
    const { hg } = await setup();
    expect((await rejected(hg.schedules.create({ ...nightly, tenantId: 'tenant-b' }, alice))).code).toBe('forbidden');
    const created = await hg.schedules.create(nightly, alice);
    expect(created.tenantId).toBe('tenant-a');
    expect((await rejected(hg.schedules.update(created.id, { tenantId: 'tenant-b' }, { actor: alice }))).code).toBe('forbidden');
    expect((await hg.schedules.get(created.id)).tenantId).toBe('tenant-a');
    expect((await hg.schedules.list({}, alice)).items.map((item) => item.id)).toEqual([created.id]);
    expect((await hg.schedules.list({}, bob)).items).toEqual([]);
  });
});
