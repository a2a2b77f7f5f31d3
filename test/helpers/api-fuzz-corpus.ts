/**
 * The corpus of the REST API fuzz test (`test/integration/api-fuzz.test.ts`): fast-check
 * arbitraries that build one malformed request for a route of the route table.
 *
 * Every request to a mutating route carries at least one fault the server must reject (bad or
 * missing token, too small a role, an unknown or invisible id, a body the route's own zod
 * schema rejects, a malformed or non-JSON body, or a body that is well-formed but wrong: an
 * invalid cron or zone, an unknown job type, a stale version, a state that forbids the action),
 * so the database must stay exactly as it was. Reads may also get weird-but-valid input (SQL
 * fragments in a search filter): those only have to answer without a 5xx.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { ADMIN_PREFIX, type Route } from '../../src/api/define-route.js';

export interface FuzzRequest {
  /** The fault this request carries, for the failure report. */
  kind: string;
  method: string;
  /** Path and query string, already encoded as sent. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** `error`: must be rejected (4xx); `any`: anything but a 5xx. */
  expect: 'error' | 'any';
  /** When set, the status must be one of these. */
  statuses?: number[];
}

interface Seeded {
  id: string;
  key: string;
  version: number;
}

export interface FuzzContext {
  tokens: { admin: string; operator: string; viewer: string; revoked: string; acmeOperator: string; globexAdmin: string };
  schedules: { code: Seeded; active: Seeded; paused: Seeded; inactive: Seeded; acme: Seeded };
  runs: { pending: string; cancelled: string; fired: string; acme: string };
  tokenIds: { viewer: string; revoked: string };
}

// ---- values ------------------------------------------------------------------------------

const HUGE = 'x'.repeat(100_000);
const HUGE_UNICODE = 'é😀'.repeat(34_000);
const SQL = ["'; drop table x; --", '1 or 1=1', "' OR '1'='1", '"; select pg_sleep(10); --', "x' union select * from api_tokens --", '$1', '%', '_', '\\', '--'];
const SCRIPT = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)', '{{7*7}}', '${7*7}'];
const UNICODE = ['😀', '\u202egnp.exe', '\uffff', '\ud800', 'Ω≈ç√∫', 'ｆｕｌｌ', '\u0000', 'a\u0000b', '\u0001\u0002\u0003', '\u001b[31mred', '\r\n', '\t', ' ', ''];
export const WEIRD_STRINGS = [...SQL, ...SCRIPT, ...UNICODE, 'x'.repeat(201), 'x'.repeat(2001)];
const HUGE_STRINGS = [HUGE, HUGE_UNICODE];
export const BAD_CRONS = ['* * *', '61 * * * *', '* 24 * * *', '* * 32 * *', '* * * 13 *', '* * * * 8', '@reboot', '@every 5m', '@fortnightly', '0 0 31 2 * 2026', '0 0 0 31 2 * 2026', '*/0 * * * *', '5-1 * * * *', 'a b c d e', '0 0 * * 1+2', '* * * * * * * *', '', ' ', '0 0 * *', ...SQL.slice(0, 3), SCRIPT[0]!];
export const EDGE_CRONS = ['0 0 31 2 *', '0 0 30 2 *', '0 0 29 2 1', '59 23 31 12 *', '0 0 L * *', '0 0 * * 5#L', '0 30 2 * * *', '@yearly', '*/1 * * * *'];
export const BAD_ZONES = ['Mars/Olympus', '../../etc/passwd', 'UTC+25', 'UTC+2', 'GMT-05:00', '+05:00', 'Europe/Londn', 'europe//london', 'Etc/GMT+99', 'Local', 'x'.repeat(101), '', ' ', '\u0000', ...SQL.slice(0, 3), SCRIPT[0]!];
const BAD_INSTANTS = ['yesterday', '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-01-01', '2026-01-01T00:00:00', '2026-01-01T25:00:00Z', '1e12', '1767225600000', 'now', '', '2026-01-01T00:00:00+99:00'];
const EDGE_INSTANTS = ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00+23:59', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '2026-03-29T01:30:00+01:00'];
const DEEP = JSON.parse('['.repeat(3000) + ']'.repeat(3000)) as unknown;
const DEEP_OBJECT = JSON.parse('{"a":'.repeat(2000) + '1' + '}'.repeat(2000)) as unknown;
const TYPE_VARIANTS: unknown[] = [0, -1, 1.5, 2 ** 53, -1e308, 1e308, '123', '1', 'true', 'null', true, false, null, [], ['a'], [1, {}], {}, { a: 1 }, { $gt: '' }, DEEP, DEEP_OBJECT];
const UNKNOWN_FIELDS = ['foo', 'isActive', 'cronExpression', 'ID', 'Name', '__proto__x', 'constructor', 'id', 'created_at', 'version_', ''];

const weirdString: fc.Arbitrary<string> = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...WEIRD_STRINGS) }, { weight: 1, arbitrary: fc.constantFrom(...HUGE_STRINGS) }, { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) });
/** A value for any field: wrong types, odd strings, deep nesting, random JSON. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: weirdString },
  { weight: 3, arbitrary: fc.constantFrom(...TYPE_VARIANTS) },
  { weight: 1, arbitrary: fc.constantFrom(...BAD_CRONS, ...BAD_ZONES, ...BAD_INSTANTS, ...EDGE_INSTANTS) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Base64url of `value` as JSON: a cursor that decodes but holds the wrong thing. */
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const UUID = '3f2a0c4e-8b1d-4e5f-9a6b-7c8d9e0f1a2b';
const CURSORS = [
  cursorOf({ a: 1 }), cursorOf([1, 2]), cursorOf(['x']), cursorOf(['x', 'y', 'z']), cursorOf(null), cursorOf('s'), cursorOf([null, null]), cursorOf([]),
  cursorOf(['not a date', UUID]), cursorOf(['2026-01-01T00:00:00Z', 'not-a-uuid']), cursorOf(['0000-01-01T00:00:00.000Z', UUID]), cursorOf(['-271821-04-20T00:00:00.000Z', UUID]),
  cursorOf(['+275760-09-13T00:00:00.000Z', UUID]), cursorOf(["'; drop table x; --", "1 or 1=1"]), cursorOf(['1e400']), cursorOf(['-1']), cursorOf(['9007199254740993']), cursorOf(['abc']),
  'not-base64!!', '====', '%%%', 'x'.repeat(501), Buffer.from('\u0000\u0001garbage').toString('base64'),
];
const QUERY_VALUES = ['', '-1', '0', '501', '1e3', '99999999999999999999', '1.5', '0x10', ' 1', 'abc', 'null', 'true', 'ACTIVE', 'pending ', 'all', 'x'.repeat(201), 'x'.repeat(5000), ...SQL, ...SCRIPT, ...UNICODE.filter((text) => text !== ''), ...BAD_INSTANTS, ...EDGE_INSTANTS, UUID, 'not-a-uuid', ...CURSORS];
const UNKNOWN_QUERY_KEYS = ['foo', 'LIMIT', 'Status', 'tenantId', '__proto__', 'constructor', 'limit[]', 'a.b', 'offset', 'page', 'access_token'];

/** Raw path segments for `:id`: none of them names a row. */
const RAW_IDS = ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'not-a-uuid', '123', '-1', '0', 'null', 'undefined', 'x'.repeat(3000), 'x'.repeat(300), 'x'.repeat(201), 'x'.repeat(200), '%00', 'a%00b', '%2F', 'a%2Fb', '..%2F..%2Fetc%2Fpasswd', '%2e%2e', '%', '%zz', '%E0%A4%A', '%C0%AE', '%FF', '%20', '%0A'];
/** Lone surrogates become U+FFFD first: `encodeURIComponent` refuses them. */
const wellFormed = (text: string) => text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const enc = (text: string) => encodeURIComponent(wellFormed(text));
const badId: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  fc.constantFrom(...RAW_IDS),
  fc.constantFrom(...SQL, ...SCRIPT, '😀', '\u202e').map(enc),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map(enc),
);

// ---- routes ------------------------------------------------------------------------------

const routeKey = (route: Route) => `${route.method} ${route.path.slice(ADMIN_PREFIX.length)}`;
const isSchedulePath = (route: Route) => route.path.includes('/scheduled-jobs/:id');
const isRunPath = (route: Route) => route.path.includes('/job-runs/:id');
const mutates = (route: Route) => route.method !== 'GET' && !route.path.includes('/cron/');
const roleRank = { viewer: 0, operator: 1, admin: 2 } as const;
const shapeOf = (schema: z.ZodType | undefined) => ((schema as unknown as { shape?: Record<string, z.ZodType> } | undefined)?.shape ?? {});

function pathFor(route: Route, id: string, query = ''): string {
  return route.path.replace(':id', id) + query;
}

function json(body: unknown): string {
  return JSON.stringify(body);
}

/** The rows a route may act on (visible to the admin token, so only the body can be wrong). */
function existingIds(route: Route, ctx: FuzzContext): string[] {
  const { schedules, runs, tokenIds } = ctx;
  if (isSchedulePath(route)) return Object.values(schedules).flatMap((row) => [row.id, row.key]);
  if (isRunPath(route)) return Object.values(runs);
  if (route.path.includes('/tokens/:id')) return Object.values(tokenIds);
  return [];
}

/** A well-formed body for the route and row (the fault is added on top). */
function baseBody(route: Route, ctx: FuzzContext, id: string): Record<string, unknown> {
  const version = Object.values(ctx.schedules).find((row) => row.id === id || row.key === id)?.version ?? 1;
  const bases: Record<string, Record<string, unknown>> = {
    'POST /scheduled-jobs': { name: 'Fuzz schedule', job_type: 'sync', schedule_type: 'cron', cron_expression: '0 3 * * *', timezone: 'UTC' },
    'PUT /scheduled-jobs/:id': { description: 'fuzzed', version },
    'POST /scheduled-jobs/:id/trigger': { payload: { from: 'fuzz' } },
    'POST /scheduled-jobs/:id/pause': { note: 'fuzz', until: '2999-01-01T00:00:00Z' },
    'POST /scheduled-jobs/:id/backfill': { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
    'POST /job-runs': { job_type: 'sync', tenant_id: 'acme' },
    'POST /cron/validate': { cron_expression: '0 3 * * *', timezone: 'UTC' },
    'POST /cron/preview': { cron_expression: '0 3 * * *', timezone: 'Europe/London', count: 5, from: '2026-03-01T00:00:00Z' },
    'POST /tokens': { name: 'fuzz-token', role: 'viewer' },
  };
  return { ...(bases[routeKey(route)] ?? {}) };
}

const idFor = (route: Route, ctx: FuzzContext) => (route.path.includes(':id') ? fc.constantFrom(...existingIds(route, ctx)) : fc.constant(''));
const jsonHeaders = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

/** No token, a garbage one, a revoked one, or a role below the route's. */
function authFault(route: Route, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const { admin, operator, viewer, revoked } = ctx.tokens;
  const garbage = fc.oneof(
    fc.constantFrom('Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', `Token ${admin}`, `Bearer ${admin}x`, `Bearer ${admin.slice(0, -1)}`, `Bearer ${admin} ${admin}`, `Bearer ${revoked}`, "Bearer ' or 1=1 --", `Bearer ${'x'.repeat(8000)}`, 'Bearer %00', 'Bearer null', `${admin}`),
    fc.base64String({ minLength: 44, maxLength: 44 }).map((secret) => `Bearer hg_${secret.replace(/[+/=]/g, '_').slice(0, 43)}`),
  );
  const authorization: fc.Arbitrary<{ header: string | null; statuses: number[] }> = fc.oneof(
    fc.constant<{ header: string | null; statuses: number[] }>({ header: null, statuses: [401] }),
    garbage.map((header) => ({ header, statuses: [401] })),
    ...(roleRank[route.role!] > 0 ? [fc.constantFrom(...(roleRank[route.role!] === 2 ? [viewer, operator] : [viewer])).map((token) => ({ header: `Bearer ${token}`, statuses: [403] }))] : []),
  );
  const body = route.method === 'GET' ? fc.constant(undefined) : fc.oneof(idFor(route, ctx).map((id) => json(baseBody(route, ctx, id))), weirdValue.map(json));
  return fc.record({ authorization, id: idFor(route, ctx), body, viaQuery: fc.boolean() }).map(({ authorization: auth, id, body: text, viaQuery }) => ({
    kind: auth.header === null ? (viaQuery ? 'no token (access_token in query)' : 'no token') : `bad token: ${auth.header.slice(0, 40)}`,
    method: route.method,
    path: pathFor(route, enc(id), auth.header === null && viaQuery ? `?access_token=${enc(admin)}` : ''),
    headers: { ...(auth.header === null ? {} : { authorization: auth.header }), ...(text === undefined ? {} : { 'content-type': 'application/json' }) },
    body: text,
    expect: 'error',
    statuses: auth.statuses,
  }));
}

/** An id that names no row, or a row the (tenant-bound) token cannot see: 404, or 400 for ids the router or the params schema refuse. */
function idFault(route: Route, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const unknown = badId.map((id) => ({ id, token: ctx.tokens.admin, kind: `unknown id ${id.slice(0, 40)}` }));
  const { schedules, runs, tokens, tokenIds } = ctx;
  const invisible = isSchedulePath(route)
    ? [...[schedules.code, schedules.active, schedules.inactive].map((row) => ({ id: row.id, token: tokens.acmeOperator })), { id: schedules.acme.key, token: tokens.globexAdmin }]
    : isRunPath(route)
      ? [{ id: runs.pending, token: tokens.acmeOperator }, { id: runs.acme, token: tokens.globexAdmin }]
      : [{ id: tokenIds.viewer, token: tokens.globexAdmin }];
  // The acme operator only where its role suffices (else the answer is a 403, not a 404).
  const usable = invisible.filter(({ token }) => token === tokens.globexAdmin || roleRank[route.role!] <= roleRank.operator);
  const crossTenant = fc.constantFrom(...usable).map(({ id, token }) => ({ id: enc(id), token, kind: 'row of another tenant' }));
  return fc.record({ target: fc.oneof({ weight: 3, arbitrary: unknown }, { weight: 1, arbitrary: crossTenant }), withBody: fc.boolean() }).map(({ target, withBody }) => {
    const body = route.body && (withBody || !route.bodyOptional) ? json(baseBody(route, ctx, '')) : undefined;
    return {
      kind: target.kind,
      method: route.method,
      path: pathFor(route, target.id),
      headers: body === undefined ? { authorization: `Bearer ${target.token}` } : jsonHeaders(target.token),
      body,
      expect: 'error',
      statuses: target.kind === 'row of another tenant' ? [404] : [400, 404],
    };
  });
}

/** Query strings: unknown keys, wrong enums and numbers, repeated keys, bad cursors and instants. */
function queryFault(route: Route, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const keys = Object.keys(shapeOf(route.query));
  const pair = fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...(keys.length ? keys : ['foo'])) }, { weight: 1, arbitrary: fc.constantFrom(...UNKNOWN_QUERY_KEYS) }), fc.oneof(fc.constantFrom(...QUERY_VALUES), fc.string({ unit: 'binary', maxLength: 20 })));
  return fc.record({ pairs: fc.array(pair, { minLength: 1, maxLength: 4 }), id: idFor(route, ctx) }).map(({ pairs, id }) => {
    const parsed: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
    for (const [key, raw] of pairs) {
      const value = wellFormed(raw);
      const seen = parsed[key];
      parsed[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    // The route's own schema says whether the query is bad (a well-formed cursor may still be refused: `any`).
    const prototypeKeys = pairs.some(([key]) => key === '__proto__' || key === 'constructor');
    const rejected = route.query && !prototypeKeys ? !route.query.safeParse({ ...parsed }).success : false;
    const query = pairs.map(([key, value]) => `${enc(key)}=${enc(value)}`).join('&');
    return { kind: `query ${query.slice(0, 60)}`, method: route.method, path: pathFor(route, enc(id), `?${query}`), headers: { authorization: `Bearer ${ctx.tokens.admin}` }, expect: rejected ? 'error' : 'any' };
  });
}

/** Bodies that are not a JSON object in the first place: malformed, another media type, another JSON type, too deep. */
function transportFault(route: Route, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const malformed = ['{', '{"a":', 'nul', '[1,', '{"name":"x",}', "{'name':'x'}", '{"name":"x"}}', '   ', '\u0000', '{"a":1}{"b":2}', 'NaN', 'undefined', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '[]', '[{}]', '1', '"text"', 'null', 'true', '['.repeat(100_000) + ']'.repeat(100_000), '\ufeff'];
  const otherTypes = ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'text/json', 'application/vnd.api+json', 'application/json-patch+json'];
  const variant = fc.oneof(
    fc.constantFrom(...malformed).map((body) => ({ body, type: 'application/json' as string | null })),
    fc.tuple(fc.constantFrom(...otherTypes), fc.constantFrom('{}', 'name=x&role=admin', '<a/>', '{"name":"x"}')).map(([type, body]) => ({ body, type })),
    fc.constantFrom('{}', '{"name":"x"}').map((body) => ({ body, type: null })),
  );
  return fc.record({ variant, id: idFor(route, ctx) }).map(({ variant: { body, type }, id }) => ({
    kind: `transport ${type ?? 'no content-type'}: ${body.slice(0, 30)}`,
    method: route.method,
    path: pathFor(route, enc(id)),
    headers: { authorization: `Bearer ${ctx.tokens.admin}`, ...(type === null ? {} : { 'content-type': type }) },
    body,
    expect: 'error',
    statuses: [400],
  }));
}

type Mutation = { op: 'set'; key: string; value: unknown } | { op: 'delete'; key: string } | { op: 'replace'; value: unknown };

/** A base body with one to three fields broken; kept only when the route's own schema refuses it. */
function schemaFault(route: Route, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const keys = [...Object.keys(shapeOf(route.body)), ...UNKNOWN_FIELDS];
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), key: fc.constantFrom(...keys), value: weirdValue }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...keys) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('replace' as const), value: weirdValue }) },
  );
  return fc
    .record({ id: idFor(route, ctx), mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) })
    .map(({ id, mutations }) => {
      let body: unknown = baseBody(route, ctx, id);
      for (const mutation of mutations) {
        if (mutation.op === 'replace') body = mutation.value;
        else if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
          if (mutation.op === 'set') Object.defineProperty(body, mutation.key, { value: mutation.value, enumerable: true, writable: true, configurable: true });
          else delete (body as Record<string, unknown>)[mutation.key];
        }
      }
      return { id, body, mutations };
    })
    .filter(({ body }) => !route.body!.safeParse(body).success)
    .map(({ id, body, mutations }) => ({
      kind: `schema: ${mutations.map((m) => (m.op === 'replace' ? 'replace body' : `${m.op} ${m.key}`)).join(', ')}`,
      method: route.method,
      path: pathFor(route, enc(id)),
      headers: jsonHeaders(ctx.tokens.admin),
      body: json(body),
      expect: 'error',
      statuses: [400],
    }));
}

interface Semantic {
  kind: string;
  id?: string;
  token?: string;
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
  expect?: 'error' | 'any';
}

/** Well-formed requests that are wrong anyway: invalid cron or zone, unknown job type, stale version, wrong state. */
function semanticFaults(route: Route, ctx: FuzzContext): fc.Arbitrary<Semantic> | null {
  const { schedules: s, runs, tokens, tokenIds } = ctx;
  const create = { name: 'Fuzz schedule', job_type: 'sync', schedule_type: 'cron', cron_expression: '0 3 * * *', timezone: 'UTC' };
  const targetFaults = fc.oneof(
    // Not '' on an update: an empty cron beside a stored interval is no change of timing.
    fc.constantFrom(...BAD_CRONS.filter((cron) => cron !== '')).map((cron) => ({ kind: `bad cron ${cron.slice(0, 30)}`, fields: { cron_expression: cron } })),
    fc.constantFrom(...BAD_ZONES).map((zone) => ({ kind: `bad zone ${zone.slice(0, 30)}`, fields: { timezone: zone } })),
    fc.constantFrom(...SQL, ...SCRIPT, 'nope', 'Sync').map((job) => ({ kind: `unknown job type ${job}`, fields: { job_type: job } })),
    fc.constantFrom(...SQL, 'nope').map((group) => ({ kind: `unknown group ${group}`, fields: { execution_mode: 'group', job_group: group } })),
    fc.constant({ kind: 'is_active contradicts status', fields: { is_active: false, status: 'active' } }),
    fc.constant({ kind: 'custom without job types', fields: { execution_mode: 'custom' } }),
    fc.constant({ kind: 'bad exclusions', fields: { exclusions: [{ nope: 1 }] } }),
  );
  /** Only on a create: an update keeps the stored interval or run_at. */
  const createOnlyFaults = fc.constantFrom(
    { kind: 'empty cron', fields: { cron_expression: '' } },
    { kind: 'interval without seconds', fields: { schedule_type: 'interval' } },
    { kind: 'once without run_at', fields: { schedule_type: 'once' } },
  );
  /** Fields that cannot undo a fault above, with odd (still in-range) or wrong values. */
  const noise = fc.dictionary(fc.constantFrom('name', 'description', 'source_ref', 'metadata', 'payload', 'priority', 'max_attempts'), fc.oneof(fc.constantFrom(...SQL, ...SCRIPT, ...UNICODE), weirdValue), { maxKeys: 3 });
  const seeded = Object.values(s);
  switch (routeKey(route)) {
    case 'POST /scheduled-jobs':
      return fc.oneof(
        fc.tuple(fc.oneof(targetFaults, createOnlyFaults), noise).map(([fault, extra]) => ({ kind: fault.kind, body: { ...create, ...extra, ...fault.fields } })),
        fc.constantFrom(s.code.key, s.active.key).map((key) => ({ kind: `duplicate key ${key}`, body: { ...create, key } })),
        fc.constant({ kind: 'tenant token, other tenant', token: tokens.globexAdmin, body: { ...create, tenant_id: 'acme' } }),
      );
    case 'PUT /scheduled-jobs/:id':
      return fc.oneof(
        fc.tuple(fc.constantFrom(...seeded), targetFaults, noise).map(([row, fault, extra]) => ({ kind: fault.kind, id: row.id, body: { ...extra, ...fault.fields, version: row.version } })),
        fc.constantFrom(...seeded).map((row) => ({ kind: 'stale version', id: row.key, body: { name: 'Renamed', version: row.version + 7 } })),
        fc.constantFrom(...seeded).map((row) => ({ kind: 'no version', id: row.id, body: { name: 'Renamed' } })),
        fc.tuple(fc.constantFrom(...seeded), fc.constantFrom('abc', '"x"', 'W/', '*', '"99"', '-1', '1.5')).map(([row, ifMatch]) => ({ kind: `If-Match ${ifMatch}`, id: row.id, body: { name: 'Renamed' }, headers: { 'if-match': ifMatch } })),
        fc.constant({ kind: 'code schedule is read-only', id: s.code.key, body: { name: 'Renamed', version: s.code.version } }),
      );
    case 'DELETE /scheduled-jobs/:id':
      return fc.constantFrom(s.code.id, s.code.key).map((id) => ({ kind: 'code schedule is read-only', id }));
    case 'POST /scheduled-jobs/:id/pause':
      return fc.tuple(fc.constantFrom(...seeded), fc.constantFrom('2000-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '1970-01-01T00:00:00+23:59'), fc.constantFrom(...SQL, ...SCRIPT, ...UNICODE)).map(([row, until, note]) => ({ kind: `pause until ${until}`, id: row.id, body: { note, until } }));
    case 'POST /scheduled-jobs/:id/resume':
      return fc.constantFrom(s.inactive.id, s.inactive.key).map((id) => ({ kind: 'resume an inactive schedule', id, body: {} }));
    case 'POST /scheduled-jobs/:id/backfill':
      return fc.tuple(fc.constantFrom(...seeded), fc.constantFrom(['2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z'], ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'], ['1970-01-01T00:00:00Z', '2100-01-01T00:00:00Z'], ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z'], ['2026-01-01T00:00:00+23:59', '2025-12-31T00:00:00Z'])).map(([row, [from, to]]) => ({ kind: `backfill ${from}..${to}`, id: row.key, body: { from, to } }));
    case 'POST /job-runs/:id/cancel':
      return fc.constant({ kind: 'cancel a cancelled run', id: runs.cancelled, body: {} });
    case 'POST /job-runs/:id/retry':
      return fc.constantFrom(runs.pending, runs.fired).map((id) => ({ kind: 'retry a pending run', id }));
    case 'POST /job-runs':
      return fc.oneof(
        fc.tuple(fc.constantFrom(...SQL, ...SCRIPT, 'nope', 'Sync', 'sync.', 'SYNC'), noise).map(([job, extra]) => ({ kind: `unknown job type ${job}`, body: { ...extra, job_type: job, tenant_id: 'acme' } })),
        fc.constant({ kind: 'operator, system run', token: tokens.operator, body: { job_type: 'sync' } }),
        fc.constant({ kind: 'tenant token, other tenant', token: tokens.acmeOperator, body: { job_type: 'sync', tenant_id: 'globex' } }),
      );
    case 'POST /tokens':
      return fc.constantFrom('acme', 'x').map((tenant) => ({ kind: 'tenant admin, other tenant', token: tokens.globexAdmin, body: { name: 'fuzz', role: 'viewer', tenant_id: tenant } }));
    case 'DELETE /tokens/:id':
      return fc.constant({ kind: 'revoke a revoked token', id: tokenIds.revoked });
    case 'POST /cron/preview':
      return fc.oneof(
        fc.constantFrom(...BAD_CRONS).map((cron) => ({ kind: `preview bad cron ${cron.slice(0, 30)}`, body: { cron_expression: cron, timezone: 'UTC' } })),
        fc.constantFrom(...BAD_ZONES).map((zone) => ({ kind: `preview bad zone ${zone.slice(0, 30)}`, body: { cron_expression: '0 3 * * *', timezone: zone } })),
        fc.tuple(fc.constantFrom(...EDGE_CRONS), fc.constantFrom(...EDGE_INSTANTS), fc.constantFrom('UTC', 'Europe/London', 'Pacific/Chatham', 'Asia/Kathmandu')).map(([cron, from, zone]) => ({ kind: `preview edge ${cron} from ${from}`, body: { cron_expression: cron, timezone: zone, from, count: 100 }, expect: 'any' as const })),
      );
    case 'POST /cron/validate':
      return fc.tuple(fc.constantFrom(...BAD_CRONS, ...EDGE_CRONS), fc.constantFrom('UTC', ...BAD_ZONES)).map(([cron, zone]) => ({ kind: `validate ${cron.slice(0, 30)} in ${zone.slice(0, 20)}`, body: { cron_expression: cron, timezone: zone }, expect: 'any' as const }));
    default:
      return null;
  }
}

function semanticFault(route: Route, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> | null {
  const faults = semanticFaults(route, ctx);
  return (
    faults?.map((fault) => {
      const token = fault.token ?? ctx.tokens.admin;
      const body = fault.body === undefined ? (route.body && !route.bodyOptional ? {} : undefined) : fault.body;
      return {
        kind: fault.kind,
        method: route.method,
        path: pathFor(route, enc(fault.id ?? '')),
        headers: { ...(body === undefined ? { authorization: `Bearer ${token}` } : jsonHeaders(token)), ...fault.headers },
        body: body === undefined ? undefined : json(body),
        expect: fault.expect ?? 'error',
      };
    }) ?? null
  );
}

/** String fields of each body, where a NUL (which PostgreSQL cannot store) goes into an otherwise good body. */
const TEXT_FIELDS: Record<string, string[]> = {
  'POST /scheduled-jobs': ['name', 'description', 'source_ref', 'tenant_id', 'payload', 'metadata'],
  'PUT /scheduled-jobs/:id': ['name', 'description', 'payload', 'metadata'],
  'POST /scheduled-jobs/:id/trigger': ['payload'],
  'POST /scheduled-jobs/:id/pause': ['note'],
  'POST /job-runs': ['payload', 'metadata', 'tenant_id'],
  'POST /tokens': ['name', 'tenant_id'],
};

function nulFault(route: Route, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> | null {
  const fields = TEXT_FIELDS[routeKey(route)];
  if (!fields) return null;
  const nul = fc.constantFrom('a\u0000b', '\u0000', 'x'.repeat(50) + '\u0000');
  const value = (field: string) => (field === 'payload' || field === 'metadata' ? fc.oneof(nul.map((text) => ({ note: text })), nul.map((text) => ({ [text]: 1 })), nul.map((text) => ({ deep: [{ at: [text] }] }))) : nul);
  return fc.record({ id: idFor(route, ctx), field: fc.constantFrom(...fields) }).chain(({ id, field }) =>
    value(field).map((nulValue) => ({
      kind: `NUL in ${field}`,
      method: route.method,
      path: pathFor(route, enc(id)),
      headers: jsonHeaders(ctx.tokens.admin),
      body: json({ ...baseBody(route, ctx, id), [field]: nulValue }),
      expect: 'error' as const,
      // 409: a code-defined schedule refuses the change as read-only, whatever is in it.
      statuses: [400, 409],
    })),
  );
}

/** A body where the route takes none: DELETE must refuse it; GET ignores it. */
function bodyOnBodyless(route: Route, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  return fc.record({ id: idFor(route, ctx), body: weirdValue, noise: fc.array(fc.tuple(fc.constantFrom(...UNKNOWN_QUERY_KEYS), fc.constantFrom(...QUERY_VALUES)), { maxLength: 2 }) }).map(({ id, body, noise }) => ({
    kind: 'body on a route without one',
    method: route.method,
    path: pathFor(route, enc(id), noise.length ? `?${noise.map(([key, value]) => `${key}=${enc(value)}`).join('&')}` : ''),
    headers: jsonHeaders(ctx.tokens.admin),
    body: json(body),
    expect: route.method === 'GET' ? 'any' : 'error',
  }));
}

/**
 * For a body that the route's schema accepts: other changes, each of which makes a mutating
 * request fail anyway (the first that leaves the fuzzed field alone is used).
 */
function carriers(route: Route, ctx: FuzzContext, id: string): Record<string, unknown>[] {
  const version = Object.values(ctx.schedules).find((row) => row.id === id || row.key === id)?.version ?? 1;
  const byRoute: Record<string, Record<string, unknown>[]> = {
    'POST /scheduled-jobs': [{ cron_expression: '61 * * * *', schedule_type: 'cron' }, { timezone: 'Mars/Olympus' }],
    'PUT /scheduled-jobs/:id': [{ version: version + 7 }, { cron_expression: '61 * * * *' }],
    'POST /scheduled-jobs/:id/trigger': [{ unknown_field: 1 }],
    'POST /scheduled-jobs/:id/pause': [{ until: '2000-01-01T00:00:00Z' }, { note: 'x'.repeat(2001) }],
    'POST /scheduled-jobs/:id/backfill': [{ from: '2100-01-01T00:00:00Z' }, { to: '1900-01-01T00:00:00Z' }],
    'POST /job-runs': [{ job_type: 'nope' }, { tenant_id: 'x'.repeat(201) }],
    'POST /tokens': [{ role: 'superuser' }, { name: '' }],
  };
  return byRoute[routeKey(route)] ?? [{ unknown_field: 1 }];
}

const FIELD_VALUES: unknown[] = ['123', 123, -1.5, {}, [], [1, 'a'], null, true, SQL[0], SQL[1], SCRIPT[0], '\u202e😀\u0001', '', ' ', HUGE, DEEP_OBJECT];

/**
 * The hand-made part, every field of every body schema: each field with each wrong type and
 * odd string, each field missing, and unknown fields beside them. Requests to mutating routes
 * whose body the schema accepts get a carrier fault, so they fail all the same.
 */
export function fieldCorpus(route: Route, ctx: FuzzContext): FuzzRequest[] {
  if (!route.body) return [];
  const ids = route.path.includes(':id') ? existingIds(route, ctx) : [''];
  const shape = shapeOf(route.body);
  const bodies: Array<{ kind: string; touched: string; body: Record<string, unknown> }> = [];
  let turn = 0;
  const idOf = () => ids[turn++ % ids.length]!;
  for (const key of Object.keys(shape)) {
    for (const value of FIELD_VALUES) bodies.push({ kind: `field ${key} = ${JSON.stringify(value)?.slice(0, 30)}`, touched: key, body: { [key]: value } });
    bodies.push({ kind: `field ${key} missing`, touched: key, body: { [key]: undefined } });
  }
  for (const key of UNKNOWN_FIELDS.slice(0, 5)) bodies.push({ kind: `unknown field ${key}`, touched: key, body: { [key]: 'x' } });
  return bodies.map(({ kind, touched, body: change }) => {
    const id = idOf();
    let body: Record<string, unknown> = { ...baseBody(route, ctx, id) };
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) delete body[key];
      else Object.defineProperty(body, key, { value, enumerable: true, writable: true, configurable: true });
    }
    let expect: 'error' | 'any' = 'error';
    if (route.body!.safeParse(body).success) {
      if (mutates(route)) body = { ...body, ...carriers(route, ctx, id).find((carrier) => !(touched in carrier)) };
      else expect = 'any';
    }
    return { kind, method: route.method, path: pathFor(route, enc(id)), headers: jsonHeaders(ctx.tokens.admin), body: json(body), expect };
  });
}

/** The hand-made part of query strings: every parameter alone with every odd value, repeated, and unknown ones. */
export function queryCorpus(route: Route, ctx: FuzzContext): FuzzRequest[] {
  const ids = route.path.includes(':id') ? existingIds(route, ctx) : [''];
  if (!route.query) {
    // A route without query parameters refuses any.
    return UNKNOWN_QUERY_KEYS.filter((key) => key !== '__proto__').map((key, index) => ({ kind: `query ${key} on a route without a query`, method: route.method, path: pathFor(route, enc(ids[index % ids.length]!), `?${enc(key)}=1`), headers: { authorization: `Bearer ${ctx.tokens.admin}` }, expect: 'error' as const }));
  }
  const keys = Object.keys(shapeOf(route.query));
  const queries: Array<[string, string][]> = [
    ...keys.flatMap((key): [string, string][][] => [...QUERY_VALUES.map((value): [string, string][] => [[key, value]]), [[key, '1'], [key, '2']]]),
    ...UNKNOWN_QUERY_KEYS.filter((key) => key !== '__proto__' && key !== 'constructor').map((key): [string, string][] => [[key, '1']]),
  ];
  return queries.map((pairs, index) => {
    const parsed: Record<string, string | string[]> = {};
    for (const [key, value] of pairs) parsed[key] = key in parsed ? [parsed[key] as string, value] : wellFormed(value);
    const query = pairs.map(([key, value]) => `${enc(key)}=${enc(value)}`).join('&');
    const rejected = !route.query!.safeParse(parsed).success;
    return { kind: `query ${query.slice(0, 60)}`, method: route.method, path: pathFor(route, enc(ids[index % ids.length]!), `?${query}`), headers: { authorization: `Bearer ${ctx.tokens.admin}` }, expect: rejected ? 'error' : 'any' };
  });
}

/** One malformed request for `route`, of any fault the route can have. */
export function requestFor(route: Route, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const options: fc.Arbitrary<FuzzRequest>[] = [];
  if (route.role) options.push(authFault(route, ctx));
  if (route.path.includes(':id')) options.push(idFault(route, ctx));
  if (route.query) options.push(queryFault(route, ctx), queryFault(route, ctx));
  if (route.body) options.push(transportFault(route, ctx), schemaFault(route, ctx), schemaFault(route, ctx));
  else options.push(bodyOnBodyless(route, ctx));
  const nul = nulFault(route, ctx);
  if (nul) options.push(nul);
  const semantic = semanticFault(route, ctx);
  if (semantic) options.push(semantic, semantic);
  if (mutates(route) && options.length === 0) throw new Error(`no fault for ${routeKey(route)}`);
  return fc.oneof(...options);
}

export { routeKey, HUGE };
