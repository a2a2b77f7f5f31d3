/**
 * Who may call what over the admin REST API (SPEC §6, issue 3 "Security"): every route of the
 * route table against missing, revoked and malformed tokens and every role below the one it
 * needs; tenant-bound tokens that see only their tenant's rows (other ids are 404, never 403);
 * system schedules that only admins change; the per-token rate limit; and the body limit.
 * Every rejected request is checked to have changed nothing.
 */
import { describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import { ADMIN_PREFIX, type Route } from '../../src/api/define-route.js';
import { routes } from '../../src/api/routes.js';
import type { Role } from '../../src/services/actor.js';
import { setupTestDatabase } from '../helpers/db.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { fingerprint } from '../helpers/db-fingerprint.js';

const env = setupTestDatabase();
const sync = defineJob({ name: 'sync', async run() {} });
const start = (config: Parameters<typeof startTestApi>[1] = {}) => startTestApi(env, { jobs: [sync], ...config });

const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];
const below = (role: Role) => ROLES.slice(0, ROLES.indexOf(role));

/** A tenant schedule made through the library (no audit actor, no token). */
const scheduleIn = (api: TestApi, tenantId: string | null, extra: Record<string, unknown> = {}) =>
  api.hourglass.schedules.create({ name: `Sync ${tenantId ?? 'system'}`, jobType: 'sync', cronExpression: '0 * * * *', overlapPolicy: 'allow', tenantId, ...extra });

interface Prepared {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The status the route's own role gets. */
  status: number;
}

/**
 * A valid request for every route, on fresh rows of tenant `acme` (so an unbound operator may
 * act on them): the role checks are then the only reason for a 403, and the allowed role's
 * call really succeeds.
 */
const requests: Record<string, (api: TestApi) => Promise<Prepared>> = {
  'GET /scheduled-jobs': async () => ({ path: '/scheduled-jobs', status: 200 }),
  'POST /scheduled-jobs': async () => ({ path: '/scheduled-jobs', body: { name: 'Created', job_type: 'sync', cron_expression: '0 * * * *', tenant_id: 'acme' }, status: 201 }),
  'GET /scheduled-jobs/:id': async (api) => ({ path: `/scheduled-jobs/${(await scheduleIn(api, 'acme')).id}`, status: 200 }),
  'PUT /scheduled-jobs/:id': async (api) => ({ path: `/scheduled-jobs/${(await scheduleIn(api, 'acme')).id}`, body: { name: 'Changed', version: 1 }, status: 200 }),
  'DELETE /scheduled-jobs/:id': async (api) => ({ path: `/scheduled-jobs/${(await scheduleIn(api, 'acme')).id}`, status: 204 }),
  'POST /scheduled-jobs/:id/trigger': async (api) => ({ path: `/scheduled-jobs/${(await scheduleIn(api, 'acme')).id}/trigger`, body: { payload: { full: true } }, status: 201 }),
  'POST /scheduled-jobs/:id/pause': async (api) => ({ path: `/scheduled-jobs/${(await scheduleIn(api, 'acme')).id}/pause`, body: { note: 'maintenance' }, status: 200 }),
  'POST /scheduled-jobs/:id/resume': async (api) => ({ path: `/scheduled-jobs/${(await scheduleIn(api, 'acme', { status: 'paused' })).id}/resume`, body: {}, status: 200 }),
  'POST /scheduled-jobs/:id/enable': async (api) => ({ path: `/scheduled-jobs/${(await scheduleIn(api, 'acme', { status: 'inactive' })).id}/enable`, body: {}, status: 200 }),
  'POST /scheduled-jobs/:id/disable': async (api) => ({ path: `/scheduled-jobs/${(await scheduleIn(api, 'acme')).id}/disable`, body: {}, status: 200 }),
  'POST /scheduled-jobs/:id/backfill': async (api) => ({
    path: `/scheduled-jobs/${(await scheduleIn(api, 'acme')).id}/backfill`,
    body: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T02:00:00Z' },
    status: 201,
  }),
  'GET /scheduled-jobs/:id/history': async (api) => ({ path: `/scheduled-jobs/${(await scheduleIn(api, 'acme')).id}/history`, status: 200 }),
  'GET /scheduled-jobs/:id/stats': async (api) => ({ path: `/scheduled-jobs/${(await scheduleIn(api, 'acme')).id}/stats`, status: 200 }),
  'GET /job-runs': async () => ({ path: '/job-runs', status: 200 }),
  'POST /job-runs': async () => ({ path: '/job-runs', body: { job_type: 'sync', tenant_id: 'acme' }, status: 201 }),
  'GET /job-runs/:id': async (api) => ({ path: `/job-runs/${(await api.hourglass.runs.enqueue({ jobType: 'sync', tenantId: 'acme' })).id}`, status: 200 }),
  'GET /job-runs/:id/logs': async (api) => ({ path: `/job-runs/${(await api.hourglass.runs.enqueue({ jobType: 'sync', tenantId: 'acme' })).id}/logs`, status: 200 }),
  'POST /job-runs/:id/cancel': async (api) => ({ path: `/job-runs/${(await api.hourglass.runs.enqueue({ jobType: 'sync', tenantId: 'acme' })).id}/cancel`, body: {}, status: 200 }),
  'POST /job-runs/:id/retry': async (api) => {
    const run = await api.hourglass.runs.enqueue({ jobType: 'sync', tenantId: 'acme' });
    await api.hourglass.runs.cancel(run.id);
    return { path: `/job-runs/${run.id}/retry`, body: {}, status: 201 };
  },
  'GET /job-types': async () => ({ path: '/job-types', status: 200 }),
  'POST /cron/validate': async () => ({ path: '/cron/validate', body: { cron_expression: '0 * * * *' }, status: 200 }),
  'POST /cron/preview': async () => ({ path: '/cron/preview', body: { cron_expression: '0 * * * *', count: 3 }, status: 200 }),
  'GET /scheduler/status': async () => ({ path: '/scheduler/status', status: 200 }),
  'GET /dashboard': async () => ({ path: '/dashboard', status: 200 }),
  'GET /notifications': async () => ({ path: '/notifications', status: 200 }),
  'GET /audit-log': async () => ({ path: '/audit-log?limit=10', status: 200 }),
  'GET /me': async () => ({ path: '/me', status: 200 }),
  'GET /tokens': async () => ({ path: '/tokens', status: 200 }),
  'POST /tokens': async () => ({ path: '/tokens', body: { name: 'ci-bot', role: 'viewer' }, status: 201 }),
  'DELETE /tokens/:id': async (api) => {
    await api.hourglass.tokens.create({ name: 'doomed', role: 'viewer' });
    return { path: '/tokens/doomed', status: 200 };
  },
};

const routeKey = (route: Route) => `${route.method} ${route.path.slice(ADMIN_PREFIX.length)}`;

describe('the route table', () => {
  test('every route has a role and a request in this file, so a new route cannot skip these checks', () => {
    expect(routes.filter((route) => route.role === null).map(routeKey)).toEqual([]);
    expect(routes.map(routeKey).filter((key) => !requests[key])).toEqual([]);
  });
});

describe('GET /me', () => {
  test("answers the calling token's name, role and tenant", async () => {
    const api = await start();
    const bound = await api.createToken('operator', 'acme');
    expect((await api.request('GET', `${ADMIN_PREFIX}/me`, { token: api.tokens.viewer })).body).toEqual({ name: expect.stringMatching(/^token:/), role: 'viewer', tenant_id: null });
    expect((await api.request('GET', `${ADMIN_PREFIX}/me`, { token: bound })).body).toMatchObject({ role: 'operator', tenant_id: 'acme' });
  });
});

describe('roles on every route', () => {
  test.each(routes.map((route) => [routeKey(route), route] as const))(
    '%s: a missing, revoked or malformed token is 401, a lesser role 403 changing nothing, its role is served',
    async (key, route) => {
      const api = await start();
      const revoked = await api.hourglass.tokens.create({ name: 'revoked-admin', role: 'admin' });
      await api.hourglass.tokens.revoke('revoked-admin');
      const prepared = await requests[key]!(api);
      const send = (headers: Record<string, string>, token: string | null = null) =>
        api.request(route.method, `${ADMIN_PREFIX}${prepared.path}`, { token, body: prepared.body, headers: { ...prepared.headers, ...headers } });
      const before = await fingerprint(api.hourglass);

      const unauthorized: Array<[string, Record<string, string>]> = [
        ['no token', {}],
        ['a revoked token', { authorization: `Bearer ${revoked.secret}` }],
        ['an unknown token', { authorization: `Bearer hg_${'A'.repeat(43)}` }],
        ['another scheme', { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }],
        ['a bare token', { authorization: api.tokens.admin }],
        ['Bearer without a token', { authorization: 'Bearer' }],
        ['two tokens', { authorization: `Bearer ${api.tokens.admin} ${api.tokens.admin}` }],
        ['an injection', { authorization: "Bearer ' or 1=1 --" }],
      ];
      for (const [what, headers] of unauthorized) {
        const response = await send(headers);
        expect(response.status, what).toBe(401);
        expect(response.body.error.code, what).toBe('unauthorized');
      }
      for (const role of below(route.role!)) {
        const response = await send({}, api.tokens[role]);
        expect(response.status, role).toBe(403);
        expect(response.body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining(route.role!) });
      }
      expect(await fingerprint(api.hourglass)).toEqual(before);

      const served = await send({}, api.tokens[route.role!]);
      expect(served.status, JSON.stringify(served.body)).toBe(prepared.status);
    },
  );
});

describe('tenant-bound tokens', () => {
  async function tenants() {
    const api = await start();
    const acme = await scheduleIn(api, 'acme', { key: 'acme-sync' });
    const globex = await scheduleIn(api, 'globex', { key: 'globex-sync' });
    const system = await scheduleIn(api, null, { key: 'system-sync' });
    const runOf = async (scheduleId: string) => (await api.hourglass.schedules.trigger(scheduleId)).runs[0]!.id;
    const runs = { acme: await runOf(acme.id), globex: await runOf(globex.id), system: await runOf(system.id) };
    const finished = await api.hourglass.runs.enqueue({ jobType: 'sync', tenantId: 'globex' });
    await api.hourglass.runs.cancel(finished.id);
    return { api, acme, globex, system, runs, finishedGlobexRun: finished.id, admin: await api.createToken('admin', 'acme'), viewer: await api.createToken('viewer', 'acme') };
  }

  test("list only their tenant's schedules and runs; asking for another tenant is a 403", async () => {
    const { api, acme, runs, viewer, admin } = await tenants();
    for (const query of ['', '?tenant_id=acme']) {
      const schedules = await api.request('GET', `${ADMIN_PREFIX}/scheduled-jobs${query}`, { token: viewer });
      expect(schedules.body.items.map((item: { id: string }) => item.id)).toEqual([acme.id]);
      const listed = await api.request('GET', `${ADMIN_PREFIX}/job-runs${query}`, { token: viewer });
      expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([runs.acme]);
    }
    for (const [path, token] of [['scheduled-jobs', viewer], ['job-runs', viewer], ['audit-log', admin]] as const) {
      const other = await api.request('GET', `${ADMIN_PREFIX}/${path}?tenant_id=globex`, { token });
      expect(other.status, path).toBe(403);
      expect(other.body.error).toMatchObject({ code: 'forbidden', field: 'tenant_id' });
    }
    const history = await api.request('GET', `${ADMIN_PREFIX}/scheduled-jobs/acme-sync/history`, { token: viewer });
    expect(history.body.items.map((item: { id: string }) => item.id)).toEqual([runs.acme]);
  });

  test("get 404 for another tenant's and the system's schedules and runs, on every endpoint, changing nothing", async () => {
    const { api, globex, system, runs, finishedGlobexRun, admin } = await tenants();
    const before = await fingerprint(api.hourglass);
    const backfill = { from: '2026-01-01T00:00:00Z', to: '2026-01-01T02:00:00Z' };
    for (const id of [globex.id, 'globex-sync', system.id, 'system-sync']) {
      const base = `${ADMIN_PREFIX}/scheduled-jobs/${id}`;
      for (const [method, path, body] of [
        ['GET', base],
        ['PUT', base, { name: 'Taken over', version: 1 }],
        ['DELETE', base],
        ['POST', `${base}/trigger`],
        ['POST', `${base}/pause`, { note: 'mine now' }],
        ['POST', `${base}/resume`],
        ['POST', `${base}/enable`],
        ['POST', `${base}/disable`],
        ['POST', `${base}/backfill`, backfill],
        ['GET', `${base}/history`],
        ['GET', `${base}/stats`],
      ] as const) {
        const response = await api.request(method, path, { token: admin, body });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.body.error.code).toBe('not_found');
      }
    }
    for (const id of [runs.globex, runs.system, finishedGlobexRun]) {
      for (const [method, path] of [
        ['GET', `${ADMIN_PREFIX}/job-runs/${id}`],
        ['GET', `${ADMIN_PREFIX}/job-runs/${id}/logs`],
        ['POST', `${ADMIN_PREFIX}/job-runs/${id}/cancel`],
        ['POST', `${ADMIN_PREFIX}/job-runs/${id}/retry`],
      ] as const) {
        const response = await api.request(method, path, { token: admin });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.body.error.code).toBe('not_found');
      }
    }
    expect(await fingerprint(api.hourglass)).toEqual(before);
  });

  test('create rows in their own tenant; naming another tenant is a 403 that changes nothing', async () => {
    const { api, admin } = await tenants();
    const created = await api.request('POST', `${ADMIN_PREFIX}/scheduled-jobs`, { token: admin, body: { name: 'Acme report', job_type: 'sync', cron_expression: '0 6 * * *' } });
    expect(created.status).toBe(201);
    expect(created.body.tenant_id).toBe('acme');
    const enqueued = await api.request('POST', `${ADMIN_PREFIX}/job-runs`, { token: admin, body: { job_type: 'sync' } });
    expect(enqueued.body.tenant_id).toBe('acme');

    const before = await fingerprint(api.hourglass);
    const foreignSchedule = await api.request('POST', `${ADMIN_PREFIX}/scheduled-jobs`, { token: admin, body: { name: 'Sneaky', job_type: 'sync', cron_expression: '0 6 * * *', tenant_id: 'globex' } });
    expect(foreignSchedule.status).toBe(403);
    expect(foreignSchedule.body.error).toMatchObject({ code: 'forbidden', field: 'tenant_id' });
    const foreignRun = await api.request('POST', `${ADMIN_PREFIX}/job-runs`, { token: admin, body: { job_type: 'sync', tenant_id: 'globex' } });
    expect(foreignRun.status).toBe(403);
    const moved = await api.request('PUT', `${ADMIN_PREFIX}/scheduled-jobs/${created.body.id}`, { token: admin, body: { tenant_id: 'globex', version: 1 } });
    expect(moved.status).toBe(403);
    expect(await fingerprint(api.hourglass)).toEqual(before);
  });

  test("see only their tenant's figures on the dashboard and entries in the audit log", async () => {
    const { api, acme, globex, admin, viewer } = await tenants();
    const mine = await api.request('GET', `${ADMIN_PREFIX}/dashboard`, { token: viewer });
    const everyone = await api.request('GET', `${ADMIN_PREFIX}/dashboard`);
    expect(everyone.body.status_counts).toMatchObject({ pending: 3, cancelled: 1 });
    expect(mine.body.status_counts).toMatchObject({ pending: 1, cancelled: 0 });
    expect(new Set(mine.body.upcoming.map((slot: { scheduled_job_id: string }) => slot.scheduled_job_id))).toEqual(new Set([acme.id]));

    const audit = await api.request('GET', `${ADMIN_PREFIX}/audit-log`, { token: admin });
    expect(audit.status).toBe(200);
    expect(audit.body.items.length).toBeGreaterThan(0);
    expect(audit.body.items.every((entry: { tenant_id: string }) => entry.tenant_id === 'acme')).toBe(true);
    const asked = await api.request('GET', `${ADMIN_PREFIX}/audit-log?entity_id=${globex.id}`, { token: admin });
    expect(asked.body.items).toEqual([]);
    const unbound = await api.request('GET', `${ADMIN_PREFIX}/audit-log?entity_id=${globex.id}`);
    expect(unbound.body.items.length).toBeGreaterThan(0);
  });
});

describe('system schedules', () => {
  test('an unbound operator triggers a tenant schedule but gets 403 on a system one; an admin triggers both', async () => {
    const api = await start();
    const tenant = await scheduleIn(api, 'acme');
    const system = await scheduleIn(api, null);
    const trigger = (id: string, token: string) => api.request('POST', `${ADMIN_PREFIX}/scheduled-jobs/${id}/trigger`, { token });
    expect((await trigger(tenant.id, api.tokens.operator)).status).toBe(201);
    const systemRun = (await api.hourglass.schedules.trigger(system.id)).runs[0]!.id;

    const before = await fingerprint(api.hourglass);
    for (const action of ['trigger', 'pause', 'disable']) {
      const response = await api.request('POST', `${ADMIN_PREFIX}/scheduled-jobs/${system.id}/${action}`, { token: api.tokens.operator });
      expect(response.status, action).toBe(403);
      expect(response.body.error.code).toBe('forbidden');
    }
    expect((await api.request('POST', `${ADMIN_PREFIX}/job-runs/${systemRun}/cancel`, { token: api.tokens.operator })).status).toBe(403);
    expect((await api.request('POST', `${ADMIN_PREFIX}/job-runs`, { token: api.tokens.operator, body: { job_type: 'sync' } })).status).toBe(403);
    expect(await fingerprint(api.hourglass)).toEqual(before);

    // Reading them is fine for every role.
    expect((await api.request('GET', `${ADMIN_PREFIX}/scheduled-jobs/${system.id}`, { token: api.tokens.viewer })).status).toBe(200);
    expect((await trigger(system.id, api.tokens.admin)).status).toBe(201);
  });
});

describe('the rate limit on changes', () => {
  test('the 4th change with one token is a 429 with Retry-After; other tokens and reads are still served', async () => {
    const api = await start({ api: { rateLimitMax: 3, rateLimitWindowMs: 60_000 } });
    const enqueue = (token: string) => api.request('POST', `${ADMIN_PREFIX}/job-runs`, { token, body: { job_type: 'sync', tenant_id: 'acme' } });
    for (let index = 0; index < 3; index++) expect((await enqueue(api.tokens.operator)).status).toBe(201);

    const before = await fingerprint(api.hourglass);
    const limited = await enqueue(api.tokens.operator);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.error).toMatchObject({ code: 'rate_limited', message: expect.any(String) });
    expect(await fingerprint(api.hourglass)).toEqual(before);

    expect((await api.request('GET', `${ADMIN_PREFIX}/job-runs`, { token: api.tokens.operator })).status).toBe(200);
    expect((await api.request('POST', `${ADMIN_PREFIX}/cron/validate`, { token: api.tokens.operator, body: { cron_expression: '0 * * * *' } })).status).toBe(200);
    expect((await enqueue(api.tokens.admin)).status).toBe(201);
    expect((await enqueue(api.tokens.operator)).status).toBe(429);
  });
});

describe('the body limit', () => {
  test('a body over 1 MiB is a 413 payload_too_large that changes nothing', async () => {
    const api = await start();
    const before = await fingerprint(api.hourglass);
    const huge = { name: 'Huge', job_type: 'sync', cron_expression: '0 * * * *', description: 'x'.repeat(1024 * 1024 + 1) };
    const response = await api.request('POST', `${ADMIN_PREFIX}/scheduled-jobs`, { body: huge });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('payload_too_large');
    // The role is checked before the body is read: a viewer is refused, whatever it sends.
    const refused = await api.request('POST', `${ADMIN_PREFIX}/scheduled-jobs`, { token: api.tokens.viewer, body: huge });
    expect(refused.status).toBe(403);
    expect(await fingerprint(api.hourglass)).toEqual(before);
    // Just under the limit is read and validated like any body.
    const underLimit = await api.request('POST', `${ADMIN_PREFIX}/scheduled-jobs`, { body: { ...huge, description: 'x'.repeat(1024 * 1024 - 200) } });
    expect(underLimit.status).toBe(400);
    expect(underLimit.body.error).toMatchObject({ code: 'validation_error', field: 'description' });
  });
});
