/**
 * The admin REST API's schedule endpoints over real HTTP (SPEC §6): create with defaults, read
 * by id or key with the next slots, filtered and paged lists, optimistic PUT, code-defined
 * schedules, the operator's actions, history and stats, bad input that changes nothing, and
 * the audit log of it all.
 */
import { describe, expect, test } from 'vitest';
import { defineJob, defineSchedule } from '../../src/define.js';
import { setupTestDatabase } from '../helpers/db.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { fingerprint } from '../helpers/db-fingerprint.js';

const env = setupTestDatabase();

const sync = defineJob({ name: 'sync', async run() {} });
const report = defineJob({ name: 'report', async run() {} });
const nightly = defineSchedule({ key: 'nightly', name: 'Nightly', cron: '0 2 * * *', target: { job: 'sync' } });

const base = '/api/admin/scheduled-jobs';
const start = () => startTestApi(env, { jobs: [sync, report], schedules: [nightly] });

async function createSchedule(api: TestApi, body: Record<string, unknown> = {}) {
  // A tenant's schedule by default: operators may act on it (system schedules are admin-only).
  const response = await api.request('POST', base, { body: { name: 'Hourly sync', job_type: 'sync', cron_expression: '0 * * * *', tenant_id: 'acme', ...body } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

/** The wall clock of `iso` in `timeZone`: weekday and HH:MM. */
function wallClock(iso: string, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso));
  const part = (type: string) => parts.find((item) => item.type === type)!.value;
  return { weekday: part('weekday'), time: `${part('hour')}:${part('minute')}` };
}

describe('creating a schedule', () => {
  test('answers 201 with the defaults SPEC §6 names and the next five slots', async () => {
    const api = await start();
    const schedule = await createSchedule(api, { name: 'Nightly report', job_type: 'report', cron_expression: '0 2 * * *' });
    expect(schedule).toMatchObject({
      name: 'Nightly report',
      status: 'active',
      is_active: true,
      execution_mode: 'single_job',
      job_type: 'report',
      timezone: 'UTC',
      schedule_type: 'cron',
      source: 'api',
      version: 1,
      tenant_id: 'acme',
    });
    expect(schedule.next_runs).toHaveLength(5);
    expect(schedule.next_runs.every((slot: string) => slot.endsWith('T02:00:00.000Z'))).toBe(true);
    expect(schedule.next_run_at).toBe(schedule.next_runs[0]);
  });

  test('is_active false creates an inactive schedule with no upcoming slots', async () => {
    const api = await start();
    const schedule = await createSchedule(api, { is_active: false });
    expect(schedule).toMatchObject({ status: 'inactive', is_active: false, next_run_at: null, next_runs: [] });
  });
});

describe('reading one schedule', () => {
  test('by id or by key answers the same schedule with its next slots in its zone', async () => {
    const api = await start();
    const created = await createSchedule(api, { key: 'berlin-standup', cron_expression: '30 9 * * 1-5', timezone: 'Europe/Berlin' });
    const byId = await api.request('GET', `${base}/${created.id}`, { token: api.tokens.viewer });
    const byKey = await api.request('GET', `${base}/berlin-standup`, { token: api.tokens.viewer });
    expect(byId.status).toBe(200);
    expect(byKey.body).toEqual(byId.body);
    const slots: string[] = byId.body.next_runs;
    expect(slots).toHaveLength(5);
    expect(new Date(slots[0]!).getTime()).toBeGreaterThan(Date.now() - 1000);
    for (const slot of slots) {
      expect(slot).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
      const local = wallClock(slot, 'Europe/Berlin');
      expect(local.time).toBe('09:30');
      expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(local.weekday);
    }
    expect([...slots].sort()).toEqual(slots);
    expect(new Set(slots).size).toBe(5);
  });

  test('an unknown id or key is a 404 not_found', async () => {
    const api = await start();
    for (const id of ['0b5a3c55-6d43-4ad4-9a55-2b8f1c0b0000', 'no-such-key']) {
      const response = await api.request('GET', `${base}/${id}`);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
    }
  });
});

describe('listing schedules', () => {
  test('filters by status, search, job type and tenant', async () => {
    const api = await start();
    const alpha = await createSchedule(api, { name: 'Alpha sync', tenant_id: 'acme' });
    const beta = await createSchedule(api, { name: 'Beta report', job_type: 'report', tenant_id: 'globex' });
    const gamma = await createSchedule(api, { name: 'Gamma sync', status: 'inactive', tenant_id: null });
    const names = async (query: string) => {
      const response = await api.request('GET', `${base}?${query}`, { token: api.tokens.viewer });
      expect(response.status).toBe(200);
      return response.body.items.map((item: { name: string }) => item.name);
    };
    expect(await names('status=inactive')).toEqual([gamma.name, 'Nightly']);
    expect(await names('status=active')).toEqual([alpha.name, beta.name]);
    expect(await names('search=sync')).toEqual([alpha.name, gamma.name]);
    expect(await names('search=night')).toEqual(['Nightly']);
    expect(await names('job_type=report')).toEqual([beta.name]);
    expect(await names('tenant_id=acme')).toEqual([alpha.name]);
    expect(await names('search=SYNC&tenant_id=acme')).toEqual([alpha.name]);
    // % and _ are plain characters, not patterns
    expect(await names('search=%25')).toEqual([]);
    expect(await names('search=a_s')).toEqual([]);
  });

  test('pages of two with next_cursor return every schedule exactly once, in order', async () => {
    const api = await start();
    // Two schedules share a name: the cursor must still tell them apart.
    for (const name of ['Echo', 'Delta', 'Delta', 'Bravo', 'Alpha']) await createSchedule(api, { name });
    const all = (await api.request('GET', base)).body;
    expect(all.items).toHaveLength(6);
    expect(all.next_cursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: { items: Array<{ id: string }>; next_cursor: string | null } } = await api.request('GET', `${base}?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.items.map((item: { id: string }) => item.id));
  });

  test('an invalid cursor or limit is a 400 naming the parameter', async () => {
    const api = await start();
    for (const [query, field] of [
      ['cursor=garbage!', 'cursor'],
      [`cursor=${Buffer.from('["only one"]').toString('base64url')}`, 'cursor'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['colour=red', 'colour'],
    ] as const) {
      const response = await api.request('GET', `${base}?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'validation_error', field });
    }
  });
});

describe('changing a schedule with PUT', () => {
  test('takes the version in the body; a stale version is a 409 that changes nothing', async () => {
    const api = await start();
    const created = await createSchedule(api);
    const updated = await api.request('PUT', `${base}/${created.id}`, { body: { name: 'Renamed', version: 1 } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Renamed', version: 2 });
    expect(updated.body.next_runs).toHaveLength(5);

    const before = await fingerprint(api.hourglass);
    const stale = await api.request('PUT', `${base}/${created.id}`, { body: { name: 'Lost update', version: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('conflict');
    expect(await fingerprint(api.hourglass)).toEqual(before);
    expect((await api.request('GET', `${base}/${created.id}`)).body).toMatchObject({ name: 'Renamed', version: 2 });
  });

  test('takes the version from If-Match when the body has none', async () => {
    const api = await start();
    const created = await createSchedule(api);
    const updated = await api.request('PUT', `${base}/${created.id}`, { body: { cron_expression: '*/5 * * * *' }, headers: { 'if-match': '"1"' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ cron_expression: '*/5 * * * *', version: 2 });
    const weak = await api.request('PUT', `${base}/${created.id}`, { body: { name: 'Weak' }, headers: { 'if-match': 'W/"2"' } });
    expect(weak.body).toMatchObject({ name: 'Weak', version: 3 });
    const stale = await api.request('PUT', `${base}/${created.id}`, { body: { name: 'Stale' }, headers: { 'if-match': '"2"' } });
    expect(stale.status).toBe(409);
    expect((await api.request('GET', `${base}/${created.id}`)).body).toMatchObject({ name: 'Weak', version: 3 });
  });

  test('without a version is a 400 on field version that changes nothing', async () => {
    const api = await start();
    const created = await createSchedule(api);
    const before = await fingerprint(api.hourglass);
    for (const headers of [{}, { 'if-match': 'not-a-version' }] as Array<Record<string, string>>) {
      const response = await api.request('PUT', `${base}/${created.id}`, { body: { name: 'No version' }, headers });
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'validation_error', field: 'version' });
    }
    expect(await fingerprint(api.hourglass)).toEqual(before);
  });
});

describe('code-defined schedules over the API', () => {
  test('a PUT of anything but the status is a 409 read_only_schedule, while pause works', async () => {
    const api = await start();
    const schedule = (await api.request('GET', `${base}/nightly`)).body;
    expect(schedule).toMatchObject({ source: 'code', status: 'inactive', is_active: false });
    const before = await fingerprint(api.hourglass);
    const rejected = await api.request('PUT', `${base}/nightly`, { body: { cron_expression: '0 3 * * *', version: schedule.version } });
    expect(rejected.status).toBe(409);
    expect(rejected.body.error.code).toBe('read_only_schedule');
    expect(await fingerprint(api.hourglass)).toEqual(before);

    const statusOnly = await api.request('PUT', `${base}/nightly`, { body: { is_active: true, version: schedule.version } });
    expect(statusOnly.body).toMatchObject({ status: 'active', cron_expression: '0 2 * * *' });
    const paused = await api.request('POST', `${base}/nightly/pause`, { body: { note: 'audit week' } });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ status: 'paused', pause_note: 'audit week' });
  });
});

describe("the operator's actions", () => {
  test('trigger answers 201 with the run, which the runs list then shows', async () => {
    const api = await start();
    const schedule = await createSchedule(api);
    const fired = await api.request('POST', `${base}/${schedule.id}/trigger`, { token: api.tokens.operator, body: { payload: { full: true } } });
    expect(fired.status).toBe(201);
    expect(fired.body).toMatchObject({ fired: 1, skipped: 0 });
    expect(fired.body.runs).toHaveLength(1);
    const runs = await api.request('GET', `/api/admin/job-runs?scheduled_job_id=${schedule.id}`, { token: api.tokens.viewer });
    expect(runs.body.items).toHaveLength(1);
    expect(runs.body.items[0]).toMatchObject({ id: fired.body.runs[0].id, trigger: 'manual', status: 'pending', job_type: 'sync', payload: { full: true } });
    // Without a body at all, too.
    expect((await api.request('POST', `${base}/${schedule.id}/trigger`, { token: api.tokens.operator })).status).toBe(201);
  });

  test('pause with a note and an end, resume, disable and enable move the status', async () => {
    const api = await start();
    const schedule = await createSchedule(api);
    const operator = api.tokens.operator;
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const paused = await api.request('POST', `${base}/${schedule.id}/pause`, { token: operator, body: { note: 'db migration', until } });
    expect(paused.body).toMatchObject({ status: 'paused', is_active: false, pause_note: 'db migration', paused_until: until });
    const resumed = await api.request('POST', `${base}/${schedule.id}/resume`, { token: operator });
    expect(resumed.body).toMatchObject({ status: 'active', pause_note: null, paused_until: null });
    const disabled = await api.request('POST', `${base}/${schedule.id}/disable`, { token: operator });
    expect(disabled.body).toMatchObject({ status: 'inactive', next_run_at: null, next_runs: [] });
    const enabled = await api.request('POST', `${base}/${schedule.id}/enable`, { token: operator, body: {} });
    expect(enabled.body).toMatchObject({ status: 'active', is_active: true });
    expect(enabled.body.next_runs).toHaveLength(5);
  });

  test('a pause that ends in the past is a 400 on until that changes nothing', async () => {
    const api = await start();
    const schedule = await createSchedule(api);
    const before = await fingerprint(api.hourglass);
    const response = await api.request('POST', `${base}/${schedule.id}/pause`, { token: api.tokens.operator, body: { until: '2020-01-01T00:00:00Z' } });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe('until');
    expect(await fingerprint(api.hourglass)).toEqual(before);
  });

  test('backfill fires every slot of the range as runs with trigger backfill', async () => {
    const api = await start();
    const schedule = await createSchedule(api, { overlap_policy: 'allow' });
    const response = await api.request('POST', `${base}/${schedule.id}/backfill`, { token: api.tokens.operator, body: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T03:00:00Z' } });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ fired: 3, skipped: 0 });
    const runs = await api.request('GET', `/api/admin/job-runs?trigger=backfill&scheduled_job_id=${schedule.id}`);
    expect(runs.body.items.map((run: { scheduled_for: string }) => run.scheduled_for).sort()).toEqual(['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z', '2026-01-01T03:00:00.000Z']);
  });

  test('DELETE answers 204, then the schedule is a 404', async () => {
    const api = await start();
    const schedule = await createSchedule(api);
    const deleted = await api.request('DELETE', `${base}/${schedule.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
    expect((await api.request('GET', `${base}/${schedule.id}`)).status).toBe(404);
    expect((await api.request('DELETE', `${base}/${schedule.id}`)).status).toBe(404);
  });
});

describe("a schedule's history and stats", () => {
  test('history lists its runs newest first and stats count them with 30 days and the next slots', async () => {
    const api = await start();
    const schedule = await createSchedule(api, { key: 'hourly' });
    const other = await createSchedule(api, { name: 'Other' });
    const first = (await api.request('POST', `${base}/${schedule.id}/trigger`)).body.runs[0].id;
    const second = (await api.request('POST', `${base}/hourly/trigger`)).body.runs[0].id;
    await api.request('POST', `${base}/${other.id}/trigger`);

    const history = await api.request('GET', `${base}/hourly/history`, { token: api.tokens.viewer });
    expect(history.status).toBe(200);
    expect(history.body.items.map((run: { id: string }) => run.id)).toEqual([second, first]);
    const paged = await api.request('GET', `${base}/${schedule.id}/history?limit=1`);
    expect(paged.body.items.map((run: { id: string }) => run.id)).toEqual([second]);
    expect(paged.body.next_cursor).toEqual(expect.any(String));

    const stats = await api.request('GET', `${base}/hourly/stats`, { token: api.tokens.viewer });
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ schedule_id: schedule.id, status_counts: { pending: 2, running: 0, failed: 0 }, failures_last24h: 0, recent_failures: [], late: null });
    expect(stats.body.daily).toHaveLength(30);
    expect(stats.body.upcoming).toHaveLength(5);
    expect(stats.body.upcoming[0]).toMatchObject({ scheduled_job_id: schedule.id, at: schedule.next_run_at });
  });
});

describe('bad input', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['an invalid cron expression', { cron_expression: 'every day at noon' }, 'invalid_cron', 'cron_expression'],
    ['an unknown zone', { timezone: 'Mars/Olympus_Mons' }, 'invalid_timezone', 'timezone'],
    ['an unknown job type', { job_type: 'no_such_job' }, 'unknown_job_type', 'job_type'],
    ['an unknown field', { colour: 'red' }, 'validation_error', 'colour'],
    ['a wrong type', { priority: 'high' }, 'validation_error', 'priority'],
  ];

  test.each(cases)('%s is a 400 naming the field, on create and on PUT, and changes nothing', async (_, patch, code, field) => {
    const api = await start();
    const schedule = await createSchedule(api);
    const before = await fingerprint(api.hourglass);
    const created = await api.request('POST', base, { body: { name: 'Bad', job_type: 'sync', cron_expression: '0 * * * *', ...patch } });
    expect(created.status).toBe(400);
    expect(created.body.error).toMatchObject({ code, field });
    expect(created.body.error.message).toEqual(expect.any(String));
    const updated = await api.request('PUT', `${base}/${schedule.id}`, { body: { ...patch, version: 1 } });
    expect(updated.status).toBe(400);
    expect(updated.body.error).toMatchObject({ code, field });
    expect(await fingerprint(api.hourglass)).toEqual(before);
    expect((await api.request('GET', base)).body.items).toHaveLength(2);
  });

  test('an unknown id is a 404 not_found for every schedule endpoint, changing nothing', async () => {
    const api = await start();
    const before = await fingerprint(api.hourglass);
    const id = '4f7e1a52-0000-4000-8000-000000000000';
    for (const [method, path, body] of [
      ['GET', `${base}/${id}`],
      ['PUT', `${base}/${id}`, { name: 'x', version: 1 }],
      ['DELETE', `${base}/${id}`],
      ['POST', `${base}/${id}/trigger`],
      ['POST', `${base}/${id}/pause`],
      ['POST', `${base}/${id}/backfill`, { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }],
      ['GET', `${base}/${id}/history`],
      ['GET', `${base}/${id}/stats`],
    ] as const) {
      const response = await api.request(method, path, { body });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.error.code).toBe('not_found');
    }
    expect(await fingerprint(api.hourglass)).toEqual(before);
  });
});

describe('the audit log', () => {
  test('records creates and updates with the token as actor and snake_case snapshots', async () => {
    const api = await start();
    const admin = (await api.request('GET', '/api/admin/tokens')).body.items.find((token: { role: string }) => token.role === 'admin');
    const actor = `token:${admin.name}`;
    const schedule = await createSchedule(api, { name: 'Audited' });
    await api.request('PUT', `${base}/${schedule.id}`, { body: { name: 'Audited twice', version: 1 } });
    await api.request('POST', `${base}/${schedule.id}/pause`, { token: api.tokens.operator });
    await createSchedule(api, { name: 'Unrelated' });

    const entries = await api.request('GET', `/api/admin/audit-log?entity_id=${schedule.id}`);
    expect(entries.status).toBe(200);
    expect(entries.body.items.map((entry: { action: string }) => entry.action)).toEqual(['schedule.pause', 'schedule.update', 'schedule.create']);
    const [pause, update, create] = entries.body.items;
    expect(create).toMatchObject({ actor, entity: 'scheduled_job', entity_id: schedule.id, before: null, after: { name: 'Audited', cron_expression: '0 * * * *', job_type: 'sync' } });
    expect(update).toMatchObject({ actor, before: { name: 'Audited', version: 1 }, after: { name: 'Audited twice', version: 2 } });
    expect(pause.actor).toMatch(/^token:operator-/);
    expect(Object.keys(create.after).filter((key) => /[A-Z]/.test(key))).toEqual([]);

    const updates = await api.request('GET', `/api/admin/audit-log?actor=${encodeURIComponent(actor)}&action=schedule.update`);
    expect(updates.body.items.map((entry: { entity_id: string }) => entry.entity_id)).toEqual([schedule.id]);
    const creates = await api.request('GET', `/api/admin/audit-log?action=schedule.create&limit=1`);
    expect(creates.body.items).toHaveLength(1);
    expect(creates.body.items[0].after.name).toBe('Unrelated');
    const next = await api.request('GET', `/api/admin/audit-log?action=schedule.create&limit=1&cursor=${creates.body.next_cursor}`);
    expect(next.body.items[0].after.name).toBe('Audited');
  });
});
