/**
 * Fuzzing the admin REST API (issue 3, "Bad input"): thousands of malformed requests across
 * every endpoint of the route table, against a real server on a seeded database. Whatever
 * arrives, the server never answers 5xx, every error has SPEC §6's shape, status and code,
 * and the database is exactly as it was (every mutating request carries a fault the server
 * must reject).
 *
 * The requests come from fast-check with a fixed seed (`FUZZ_SEED` overrides it), so a
 * failure reproduces; the report names the seed, the request's index and its fault.
 */
import { request as httpRequest, Agent } from 'node:http';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { routes } from '../../src/api/routes.js';
import { defineJob, defineSchedule } from '../../src/define.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { setupTestDatabase } from '../helpers/db.js';
import { HUGE, fieldCorpus, queryCorpus, requestFor, routeKey, type FuzzContext, type FuzzRequest } from '../helpers/api-fuzz-corpus.js';

const testDb = setupTestDatabase();

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_301);
const PER_ROUTE = 70;
const CONCURRENCY = 8;

const STATUS_BY_CODE: Record<string, number> = {
  validation_error: 400,
  invalid_cron: 400,
  invalid_timezone: 400,
  unknown_job_type: 400,
  unknown_job_group: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  read_only_schedule: 409,
  invalid_state: 409,
  payload_too_large: 413,
  rate_limited: 429,
};

const sync = defineJob({ name: 'sync', group: 'etl', async run() {} });
const report = defineJob({ name: 'report', async run() {} });
const nightly = defineSchedule({ key: 'code-nightly', name: 'Code nightly', cron: '0 2 * * *', target: { job: 'sync' } });

interface Answer {
  status: number;
  text: string;
}

/** Raw HTTP, so paths go out exactly as built (`%00`, `%2F`) and GETs can carry bodies. */
function send(base: URL, agent: Agent, req: Pick<FuzzRequest, 'method' | 'path' | 'headers' | 'body'>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const outgoing = httpRequest(
      { host: base.hostname, port: base.port, method: req.method, path: req.path, agent, headers: { ...req.headers, ...(body ? { 'content-length': String(body.length) } : {}) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    // The server may answer (413) and close before the whole body is written: the answer counts.
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** What is wrong with an answer, or null. */
function problemWith(req: FuzzRequest, answer: Answer): string | null {
  if (answer.status >= 500) return `server error ${answer.status}`;
  if (req.statuses && !req.statuses.includes(answer.status)) return `status ${answer.status}, expected ${req.statuses.join('/')}`;
  if (req.expect === 'error' && answer.status < 400) return `accepted (${answer.status}) a request that must be rejected`;
  if (answer.status < 400) return null;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `error body is not JSON`;
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (!error || Object.keys(body as object).length !== 1) return 'error body is not {"error": {...}}';
  const extra = Object.keys(error).filter((key) => !['code', 'message', 'field'].includes(key));
  if (extra.length > 0) return `error has unexpected keys ${extra.join(', ')}`;
  if (typeof error.code !== 'string' || !(error.code in STATUS_BY_CODE)) return `unknown error code ${String(error.code)}`;
  if (STATUS_BY_CODE[error.code] !== answer.status) return `code ${error.code} with status ${answer.status}`;
  if (typeof error.message !== 'string' || error.message === '') return 'error without a message';
  if (error.field !== undefined && (typeof error.field !== 'string' || error.field === '')) return 'field is not a non-empty string';
  return null;
}

/** Every row an API call could change, as JSON (tokens without `last_used_at`, which reads touch). */
async function snapshot(api: TestApi): Promise<Record<string, string[]>> {
  const schema = `"${api.hourglass.config.schema}"`;
  const tables: Record<string, string> = {
    scheduled_jobs: `select to_jsonb(t)::text as row from ${schema}.scheduled_jobs t order by id`,
    job_runs: `select to_jsonb(t)::text as row from ${schema}.job_runs t order by id`,
    api_tokens: `select (to_jsonb(t) - 'last_used_at')::text as row from ${schema}.api_tokens t order by id`,
    audit_log: `select to_jsonb(t)::text as row from ${schema}.audit_log t order by id`,
  };
  const result: Record<string, string[]> = {};
  for (const [table, sql] of Object.entries(tables)) result[table] = (await testDb.db().query<{ row: string }>(sql)).rows.map((row) => row.row);
  return result;
}

/** Schedules of every kind, runs in several states, and tokens of every role, tenant and state. */
async function seed(api: TestApi): Promise<FuzzContext> {
  const { hourglass: hg } = api;
  await hg.schedules.create({ key: 'seed-active', name: 'Seed active', jobType: 'sync', cronExpression: '0 * * * *' });
  await hg.schedules.create({ key: 'seed-paused', name: 'Seed paused', executionMode: 'group', jobGroup: 'etl', cronExpression: '15 6 * * *', timezone: 'America/New_York' });
  await hg.schedules.pause('seed-paused', { note: 'seeded' });
  await hg.schedules.create({ key: 'seed-inactive', name: 'Seed inactive', jobType: 'report', intervalSeconds: 3600, status: 'inactive' });
  await hg.schedules.create({ key: 'seed-acme', name: 'Seed acme', jobType: 'sync', cronExpression: '30 4 * * *', timezone: 'Europe/Paris', tenantId: 'acme' });
  const row = async (key: string) => {
    const schedule = await hg.schedules.get(key);
    return { id: schedule.id, key, version: schedule.version };
  };
  const pending = await hg.runs.enqueue({ jobType: 'sync' });
  const cancelled = await hg.runs.enqueue({ jobType: 'report', payload: { n: 1 } });
  await hg.runs.cancel(cancelled.id);
  const fired = (await hg.schedules.trigger('seed-active')).runs[0]!;
  const acme = await hg.runs.enqueue({ jobType: 'sync', tenantId: 'acme' });
  const revoked = await hg.tokens.create({ name: 'revoked-viewer', role: 'viewer' });
  await hg.tokens.revoke(revoked.token.id);
  const viewer = (await hg.tokens.list()).find((token) => token.role === 'viewer' && token.revokedAt === null)!;
  return {
    tokens: { ...api.tokens, revoked: revoked.secret, acmeOperator: await api.createToken('operator', 'acme'), globexAdmin: await api.createToken('admin', 'globex') },
    schedules: { code: await row('code-nightly'), active: await row('seed-active'), paused: await row('seed-paused'), inactive: await row('seed-inactive'), acme: await row('seed-acme') },
    runs: { pending: pending.id, cancelled: cancelled.id, fired: fired.id, acme: acme.id },
    tokenIds: { viewer: viewer.id, revoked: revoked.token.id },
  };
}

/** Requests outside the generated ones: bodies over the limit, the event stream, unknown endpoints. */
function fixedRequests(ctx: FuzzContext): FuzzRequest[] {
  const admin = { authorization: `Bearer ${ctx.tokens.admin}` };
  const tooLarge = JSON.stringify({ name: HUGE.repeat(11) });
  const oversized = routes
    .filter((route) => route.method !== 'GET')
    .map((route): FuzzRequest => ({ kind: 'body over 1 MiB', method: route.method, path: route.path.replace(':id', ctx.schedules.active.id), headers: { ...admin, 'content-type': 'application/json' }, body: tooLarge, expect: 'error', statuses: [413] }));
  const events = [undefined, 'Bearer', 'Bearer garbage', `Bearer ${ctx.tokens.revoked}`, `Basic ${ctx.tokens.admin}`].map(
    (authorization): FuzzRequest => ({ kind: 'event stream, bad token', method: 'GET', path: '/api/admin/events', headers: authorization ? { authorization } : {}, expect: 'error', statuses: [401] }),
  );
  const eventQuery = ['garbage', ctx.tokens.revoked, '%00', ''].map((token): FuzzRequest => ({ kind: 'event stream, bad access_token', method: 'GET', path: `/api/admin/events?access_token=${token}`, headers: {}, expect: 'error', statuses: [401] }));
  const unknown = [
    ['GET', '/api/admin/nope'],
    ['PATCH', `/api/admin/scheduled-jobs/${ctx.schedules.active.id}`],
    ['POST', `/api/admin/scheduled-jobs/${ctx.schedules.active.id}/explode`],
    ['DELETE', '/api/admin/job-runs'],
    ['PUT', '/api/admin/tokens'],
    ['GET', '/api/admin/scheduled-jobs/a/b/c/d'],
  ].map(([method, path]): FuzzRequest => ({ kind: 'unknown endpoint', method: method!, path: path!, headers: { ...admin, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}', expect: 'error', statuses: [404] }));
  return [...oversized, ...events, ...eventQuery, ...unknown];
}

async function runAll(base: URL, requests: FuzzRequest[]): Promise<{ failures: string[]; statuses: Map<number, number> }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const index = next++;
      const req = requests[index]!;
      let problem: string | null;
      let answer: Answer | null = null;
      try {
        answer = await send(base, agent, req);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        problem = problemWith(req, answer);
      } catch (error) {
        problem = `request failed: ${(error as Error).message}`;
      }
      if (problem) {
        const body = req.body === undefined ? '' : ` body=${JSON.stringify(req.body.slice(0, 300))}${req.body.length > 300 ? `…(${req.body.length} chars)` : ''}`;
        failures.push(`#${index} [${req.kind}] ${req.method} ${req.path.slice(0, 300)}${body} → ${problem}; answer: ${answer?.text.slice(0, 300) ?? '-'}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    agent.destroy();
  }
  return { failures, statuses };
}

describe('admin API under malformed input', () => {
  test('thousands of bad requests: never a 5xx, errors in the SPEC shape, the database unchanged', async () => {
    const api = await startTestApi(testDb, { jobs: [sync, report], schedules: [nightly], api: { rateLimitMax: 100_000 } });
    const ctx = await seed(api);
    const before = await snapshot(api);

    // Per route, so a new route gets its share and one route's seed does not shift another's.
    const generated = routes.flatMap((route, index) => fc.sample(requestFor(route, ctx), { seed: SEED + index, numRuns: PER_ROUTE }).map((req) => ({ ...req, kind: `${routeKey(route)}: ${req.kind}` })));
    const handMade = routes.flatMap((route) => [...fieldCorpus(route, ctx), ...queryCorpus(route, ctx)].map((req) => ({ ...req, kind: `${routeKey(route)}: ${req.kind}` })));
    const requests = [...generated, ...handMade, ...fixedRequests(ctx)];
    const started = Date.now();
    const { failures, statuses } = await runAll(new URL(api.url), requests);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.info(`api fuzz (${testDb.backend}, seed ${SEED}): ${requests.length} requests in ${seconds} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);

    if (failures.length > 0) console.error(`api fuzz failures (FUZZ_SEED=${SEED}):\n${failures.slice(0, 40).join('\n')}`);
    expect(failures, `FUZZ_SEED=${SEED}`).toEqual([]);
    // At least 2,000 that must be refused (the rest: reads with odd but valid filters).
    expect(requests.filter((req) => req.expect === 'error').length).toBeGreaterThanOrEqual(2000);

    const after = await snapshot(api);
    for (const table of Object.keys(before)) {
      const added = after[table]!.filter((row) => !before[table]!.includes(row));
      const removed = before[table]!.filter((row) => !after[table]!.includes(row));
      expect({ table, added, removed }, `FUZZ_SEED=${SEED}`).toEqual({ table, added: [], removed: [] });
    }
  }, 180_000);
});
