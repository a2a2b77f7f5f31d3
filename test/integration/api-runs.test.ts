/**
 * The admin REST API's run endpoints and the rest of its read side over real HTTP (SPEC §6):
 * enqueue, filtered and paged lists, a run with its logs, cancel and retry; job types,
 * scheduler status, dashboard, cron preview and validation; health, readiness, metrics and
 * the OpenAPI document.
 */
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/define.js';
import { routes } from '../../src/api/routes.js';
import { setupTestDatabase } from '../helpers/db.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { fingerprint } from '../helpers/db-fingerprint.js';
import { whenAborted } from '../helpers/deferred.js';
import { waitFor, waitForRunStatus } from '../helpers/wait.js';

const env = setupTestDatabase();

const noop = defineJob({ name: 'noop', group: 'maintenance', async run() {} });
const tidy = defineJob({ name: 'tidy', group: 'maintenance', dependsOn: ['noop'], async run() {} });
const greet = defineJob({
  name: 'greet',
  payload: z.strictObject({ name: z.string() }),
  async run(ctx) {
    ctx.log.info(`hello ${ctx.payload.name}`, { step: 1 });
    ctx.log.warn('second line');
    ctx.log.info('third line', { step: 3 });
  },
});
const hold = defineJob({ name: 'hold', async run(ctx) { await whenAborted(ctx.signal); } });
const broken = defineJob({
  name: 'broken',
  maxAttempts: 1,
  async run() {
    throw new Error('kaput');
  },
});
const jobs = [noop, tidy, greet, hold, broken];

const runsPath = '/api/admin/job-runs';
const start = (worker = false) => startTestApi(env, { jobs, worker: { enabled: worker } });

async function enqueue(api: TestApi, body: Record<string, unknown>) {
  const response = await api.request('POST', runsPath, { token: api.tokens.operator, body: { tenant_id: 'acme', ...body } });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

const ids = (body: { items: Array<{ id: string }> }) => body.items.map((item) => item.id);

describe('enqueueing a run', () => {
  test('answers 201 with a pending run of trigger api, keeping its metadata', async () => {
    const api = await start();
    const run = await enqueue(api, { job_type: 'greet', payload: { name: 'Ada' }, priority: 5, metadata: { ticket: 'OPS-12' } });
    expect(run).toMatchObject({ job_type: 'greet', trigger: 'api', status: 'pending', payload: { name: 'Ada' }, priority: 5, tenant_id: 'acme', scheduled_job_id: null, metadata: { ticket: 'OPS-12' } });
    expect(run.created_by).toMatch(/^token:operator-/);
    expect((await api.request('GET', `${runsPath}/${run.id}`)).body.metadata).toEqual({ ticket: 'OPS-12' });
  });

  test("a payload that fails the job's schema, an unknown job type or field is a 400 that changes nothing", async () => {
    const api = await start();
    await enqueue(api, { job_type: 'noop' });
    const before = await fingerprint(api.hourglass);
    for (const [body, code, field] of [
      [{ job_type: 'greet', payload: { name: 42 } }, 'validation_error', 'payload.name'],
      [{ job_type: 'greet', payload: {} }, 'validation_error', 'payload.name'],
      [{ job_type: 'greet', payload: { name: 'Ada', extra: true } }, 'validation_error', 'payload.extra'],
      [{ job_type: 'no_such_job' }, 'unknown_job_type', 'job_type'],
      [{ job_type: 'noop', colour: 'red' }, 'validation_error', 'colour'],
      [{ payload: {} }, 'validation_error', 'job_type'],
    ] as const) {
      const response = await api.request('POST', runsPath, { token: api.tokens.operator, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error).toMatchObject({ code, field });
    }
    expect(await fingerprint(api.hourglass)).toEqual(before);
  });
});

describe('listing runs', () => {
  /** Runs of every kind: enqueued, fired by a schedule, a batch, a backfill, and one cancelled. */
  async function seed(api: TestApi) {
    const first = await enqueue(api, { job_type: 'noop' });
    const second = await enqueue(api, { job_type: 'greet', payload: { name: 'Bo' } });
    const schedule = (await api.request('POST', '/api/admin/scheduled-jobs', { body: { name: 'Hourly', job_type: 'noop', cron_expression: '0 * * * *', overlap_policy: 'allow', tenant_id: 'acme' } })).body;
    const manual = (await api.request('POST', `/api/admin/scheduled-jobs/${schedule.id}/trigger`)).body.runs[0];
    const group = (await api.request('POST', '/api/admin/scheduled-jobs', { body: { name: 'Maintenance', job_group: 'maintenance', cron_expression: '0 3 * * *' } })).body;
    const batch = (await api.request('POST', `/api/admin/scheduled-jobs/${group.id}/trigger`)).body.runs;
    const backfill = (await api.request('POST', `/api/admin/scheduled-jobs/${schedule.id}/backfill`, { body: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T03:00:00Z' } })).body.runs;
    const cancelled = (await api.request('POST', `${runsPath}/${first.id}/cancel`, { token: api.tokens.operator })).body;
    return { first, second, schedule, manual, batch, backfill, cancelled };
  }

  test('filters by status, job type, trigger, schedule, batch and creation time', async () => {
    const api = await start();
    const { first, second, schedule, manual, batch, backfill } = await seed(api);
    const list = async (query: string) => {
      const response = await api.request('GET', `${runsPath}?${query}`, { token: api.tokens.viewer });
      expect(response.status, query).toBe(200);
      return ids(response.body).sort();
    };
    const sorted = (...values: string[]) => [...values].sort();
    expect(batch).toHaveLength(2);
    expect(backfill).toHaveLength(3);
    expect(await list('status=cancelled')).toEqual([first.id]);
    expect(await list('job_type=greet')).toEqual([second.id]);
    expect(await list('trigger=api')).toEqual(sorted(first.id, second.id));
    expect(await list('trigger=manual')).toEqual(sorted(manual.id, ...batch.map((run: { id: string }) => run.id)));
    expect(await list(`scheduled_job_id=${schedule.id}`)).toEqual(sorted(manual.id, ...backfill.map((run: { id: string }) => run.id)));
    expect(await list(`batch_id=${batch[0].batch_id}`)).toEqual(sorted(...batch.map((run: { id: string }) => run.id)));
    expect(await list('tenant_id=acme&status=pending&trigger=backfill')).toHaveLength(3);

    const all: Array<{ id: string; created_at: string }> = (await api.request('GET', runsPath)).body.items;
    expect(all).toHaveLength(8);
    const pivot = all.find((run) => run.id === manual.id)!.created_at;
    expect(await list(`since=${encodeURIComponent(pivot)}`)).toEqual(sorted(...all.filter((run) => run.created_at >= pivot).map((run) => run.id)));
    expect(await list(`until=${encodeURIComponent(pivot)}`)).toEqual(sorted(...all.filter((run) => run.created_at < pivot).map((run) => run.id)));
  });

  test('pages of two with next_cursor return every run exactly once, newest first', async () => {
    const api = await start();
    await seed(api);
    const all = (await api.request('GET', runsPath)).body;
    expect(all.items).toHaveLength(8);
    expect(all.next_cursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const response: { body: { items: Array<{ id: string }>; next_cursor: string | null } } = await api.request('GET', `${runsPath}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(response.body));
      cursor = response.body.next_cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(ids(all));
  });

  test('an invalid cursor, id filter or instant is a 400 naming the parameter', async () => {
    const api = await start();
    for (const [query, field] of [
      ['cursor=garbage!', 'cursor'],
      [`cursor=${Buffer.from('["yesterday","nobody"]').toString('base64url')}`, 'cursor'],
      ['scheduled_job_id=nightly', 'scheduled_job_id'],
      ['batch_id=42', 'batch_id'],
      ['since=yesterday', 'since'],
      ['status=exploded', 'status'],
    ] as const) {
      const response = await api.request('GET', `${runsPath}?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'validation_error', field });
    }
  });
});

describe('reading a run with its logs', () => {
  test("includes the lines the handler logged, and /logs pages after an id", async () => {
    const api = await start(true);
    const run = await enqueue(api, { job_type: 'greet', payload: { name: 'Ada' } });
    await waitForRunStatus(api.hourglass, run.id, ['completed']);
    const detail = await api.request('GET', `${runsPath}/${run.id}`, { token: api.tokens.viewer });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: run.id, status: 'completed', attempt: 1 });
    expect(detail.body.logs.map((line: { level: string; message: string }) => [line.level, line.message])).toEqual([
      ['info', 'hello Ada'],
      ['warn', 'second line'],
      ['info', 'third line'],
    ]);
    expect(detail.body.logs[0]).toMatchObject({ run_id: run.id, data: { step: 1 } });

    const [firstLine, , lastLine] = detail.body.logs;
    const after = await api.request('GET', `${runsPath}/${run.id}/logs?after_id=${firstLine.id}`, { token: api.tokens.viewer });
    expect(after.body.items.map((line: { message: string }) => line.message)).toEqual(['second line', 'third line']);
    expect(after.body.next_after_id).toBe(lastLine.id);
    const none = await api.request('GET', `${runsPath}/${run.id}/logs?after_id=${lastLine.id}`);
    expect(none.body).toEqual({ items: [], next_after_id: lastLine.id });
  });

  test('an unknown or malformed run id is a 404', async () => {
    const api = await start();
    for (const id of ['5c2e8b1a-0000-4000-8000-000000000000', 'not-a-uuid']) {
      for (const path of [`${runsPath}/${id}`, `${runsPath}/${id}/logs`]) {
        const response = await api.request('GET', path);
        expect(response.status, path).toBe(404);
        expect(response.body.error.code).toBe('not_found');
      }
    }
  });
});

describe('cancelling runs', () => {
  test('a pending run is cancelled at once; cancelling it again is a 409', async () => {
    const api = await start();
    const run = await enqueue(api, { job_type: 'noop' });
    const cancelled = await api.request('POST', `${runsPath}/${run.id}/cancel`, { token: api.tokens.operator });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: run.id, status: 'cancelled' });
    expect(cancelled.body.finished_at).toEqual(expect.any(String));
    const again = await api.request('POST', `${runsPath}/${run.id}/cancel`, { token: api.tokens.operator });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('invalid_state');
  });

  test("a running run has its handler's signal aborted and ends cancelled", async () => {
    const api = await start(true);
    const run = await enqueue(api, { job_type: 'hold' });
    await waitForRunStatus(api.hourglass, run.id, ['running']);
    const requested = await api.request('POST', `${runsPath}/${run.id}/cancel`, { token: api.tokens.operator, body: {} });
    expect(requested.status).toBe(200);
    expect(requested.body.cancel_requested_at).toEqual(expect.any(String));
    const ended = await waitFor(async () => {
      const response = await api.request('GET', `${runsPath}/${run.id}`);
      return response.body.status === 'cancelled' ? response.body : null;
    }, { message: 'the running run to end cancelled' });
    expect(ended.error_message).toMatch(/^cancelled by token:operator-/);
  });
});

describe('retrying runs', () => {
  test('a failed run is copied into a new run with trigger retry and retry_of', async () => {
    const api = await start(true);
    const run = await enqueue(api, { job_type: 'broken', metadata: { ticket: 'OPS-13' } });
    const failed = await waitForRunStatus(api.hourglass, run.id, ['failed']);
    expect(failed.errorMessage).toContain('kaput');
    const retried = await api.request('POST', `${runsPath}/${run.id}/retry`, { token: api.tokens.operator });
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ trigger: 'retry', retry_of: run.id, job_type: 'broken', tenant_id: 'acme', metadata: { ticket: 'OPS-13' } });
    expect(retried.body.id).not.toBe(run.id);
    expect((await api.request('GET', `${runsPath}?trigger=retry`)).body.items.map((item: { retry_of: string }) => item.retry_of)).toEqual([run.id]);
  });

  test('a pending run cannot be retried: 409, and nothing changes', async () => {
    const api = await start();
    const run = await enqueue(api, { job_type: 'noop' });
    const before = await fingerprint(api.hourglass);
    const response = await api.request('POST', `${runsPath}/${run.id}/retry`, { token: api.tokens.operator });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('invalid_state');
    expect(await fingerprint(api.hourglass)).toEqual(before);
  });
});

describe('job types, scheduler status and dashboard', () => {
  test('job types list the registry with groups, dependencies and payload schemas', async () => {
    const api = await start();
    const response = await api.request('GET', '/api/admin/job-types', { token: api.tokens.viewer });
    expect(response.status).toBe(200);
    const byName = Object.fromEntries(response.body.items.map((item: { name: string }) => [item.name, item]));
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['noop', 'tidy', 'greet', 'hold', 'broken']));
    expect(byName.tidy).toMatchObject({ group: 'maintenance', depends_on: ['noop'], has_payload_schema: false, builtin: false });
    expect(byName.greet.has_payload_schema).toBe(true);
    expect(byName.broken.max_attempts).toBe(1);
    expect(response.body.groups).toEqual(expect.anything());
  });

  test('scheduler status shows this process alive with its heartbeat', async () => {
    const api = await start(true);
    const response = await api.request('GET', '/api/admin/scheduler/status', { token: api.tokens.viewer });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ now: expect.any(String), stale_after_ms: expect.any(Number) });
    const me = response.body.workers.find((worker: { id: string }) => worker.id === api.hourglass.workerId);
    expect(me).toMatchObject({ alive: true, role: 'worker', pid: process.pid, stopped_at: null });
    expect(me.heartbeat_at).toEqual(expect.any(String));
  });

  test('the dashboard has status counts, 30 daily entries, failures, late schedules and upcoming slots', async () => {
    const api = await start();
    await enqueue(api, { job_type: 'noop' });
    await api.request('POST', '/api/admin/scheduled-jobs', { body: { name: 'Hourly', job_type: 'noop', cron_expression: '0 * * * *' } });
    const response = await api.request('GET', '/api/admin/dashboard', { token: api.tokens.viewer });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      generated_at: expect.any(String),
      status_counts: { pending: 1, running: 0, completed: 0, failed: 0, cancelled: 0, skipped: 0 },
      failures_last24h: 0,
      recent_failures: [],
      late_schedules: [],
    });
    expect(response.body.daily).toHaveLength(30);
    expect(response.body.daily[29]).toMatchObject({ day: response.body.generated_at.slice(0, 10), success_rate: null, p50_duration_ms: null, p95_duration_ms: null });
    expect(response.body.upcoming).toHaveLength(20);
    expect(response.body.upcoming[0]).toMatchObject({ schedule_name: 'Hourly', at: expect.stringMatching(/T\d\d:00:00\.000Z$/) });
  });
});

describe('cron preview and validation', () => {
  const preview = (api: TestApi, body: Record<string, unknown>) => api.request('POST', '/api/admin/cron/preview', { token: api.tokens.viewer, body });

  test("previews the slots in the expression's zone as ISO UTC, across a DST change", async () => {
    const api = await start();
    const response = await preview(api, { cron_expression: '0 9 * * *', timezone: 'America/New_York', count: 4, from: '2026-03-06T00:00:00Z' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      description: expect.stringMatching(/9:00/),
      // 2026-03-08 is the spring-forward day in New York: 9:00 EDT is 13:00 UTC.
      next_runs: ['2026-03-06T14:00:00.000Z', '2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z'],
    });
  });

  test('count is at most 100: 100 answers 100 slots, 101 is a 400 on count', async () => {
    const api = await start();
    expect((await preview(api, { cron_expression: '* * * * *', count: 100 })).body.next_runs).toHaveLength(100);
    expect((await preview(api, { cron_expression: '* * * * *' })).body.next_runs).toHaveLength(5);
    const tooMany = await preview(api, { cron_expression: '* * * * *', count: 101 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatchObject({ code: 'validation_error', field: 'count' });
    const badZone = await preview(api, { cron_expression: '* * * * *', timezone: 'Atlantis/Capital' });
    expect(badZone.body.error).toMatchObject({ code: 'invalid_timezone', field: 'timezone' });
  });

  test('validate answers valid with a description, or invalid with the error naming the field', async () => {
    const api = await start();
    const validate = (body: Record<string, unknown>) => api.request('POST', '/api/admin/cron/validate', { token: api.tokens.viewer, body });
    const valid = await validate({ cron_expression: '*/15 9-17 * * MON-FRI', timezone: 'Europe/Paris' });
    expect(valid.status).toBe(200);
    expect(valid.body).toEqual({ valid: true, description: expect.any(String) });
    const invalid = await validate({ cron_expression: '61 * * * *' });
    expect(invalid.status).toBe(200);
    expect(invalid.body).toMatchObject({ valid: false, error: { code: 'invalid_cron', field: 'cron_expression', message: expect.any(String) } });
    const badZone = await validate({ cron_expression: '0 * * * *', timezone: 'Nowhere/Special' });
    expect(badZone.body).toMatchObject({ valid: false, error: { code: 'invalid_timezone', field: 'timezone' } });
    const never = await validate({ cron_expression: '0 0 31 2 *' });
    expect(never.body).toMatchObject({ valid: false, error: { code: 'invalid_cron', field: 'cron_expression', message: expect.stringContaining('never matches') } });
  });
});

describe('operational endpoints', () => {
  test('healthz and readyz answer 200 without a token, readyz with its checks ok', async () => {
    const api = await start();
    const health = await api.request('GET', '/healthz', { token: null });
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await api.request('GET', '/readyz', { token: null });
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', checks: { database: 'ok', migrations: 'ok' } } });
  });

  test('metrics is Prometheus text with the run gauges', async () => {
    const api = await start();
    await enqueue(api, { job_type: 'noop' });
    const response = await api.request('GET', '/metrics', { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(response.body).toContain('# TYPE hourglass_runs gauge');
    expect(response.body).toMatch(/hourglass_runs\{[^}]*status="pending"[^}]*\} 1/);
  });

  test('the OpenAPI document describes every route of the route table', async () => {
    const api = await start();
    const response = await api.request('GET', '/api/openapi.json', { token: null });
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
    for (const route of routes) {
      const path = route.path.replace(/:([a-z_]+)/g, '{$1}');
      expect(response.body.paths[path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
    }
  });
});
