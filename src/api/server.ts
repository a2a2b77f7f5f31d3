/**
 * The HTTP server: the only module that knows the HTTP framework (Fastify). It registers the
 * route table under `/api/admin` with authentication, role checks, rate limits and zod
 * validation in front of every handler, streams `/events`, and serves the operational
 * endpoints (`/healthz`, `/readyz`, `/metrics`, `/api/openapi.json`) and the console at `/`.
 *
 * Request pipeline of an admin route: authenticate the bearer token and check the route's role
 * (before the body is even read) → parse the body (1 MiB limit: 413) → rate limit per token
 * (mutating routes: 429 with Retry-After) → validate params, query and body (400 naming the
 * field; no NUL character anywhere, which PostgreSQL cannot store) → handler → JSON. Every
 * error goes through `http-errors.ts`, the router's own (malformed URL) included.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { listPendingMigrations } from '../db/migrate.js';
import { ErrorCode, HourglassError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { Actor } from '../services/actor.js';
import type { Services } from '../services/index.js';
import { parseWith } from '../services/schedule-input.js';
import { authenticate, authorize } from './auth.js';
import { ADMIN_PREFIX, type ApiDeps, type Route } from './define-route.js';
import { toErrorResponse } from './http-errors.js';
import { createMetrics, type Metrics } from './metrics.js';
import { buildOpenApiDocument } from './openapi.js';
import { routes } from './routes.js';
import { createEventHub, type EventHub } from './sse.js';
import { registerConsole } from './console.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

export interface ApiServer {
  /** Listens on the configured host and port; resolves to the base URL. */
  listen(): Promise<string>;
  /** Base URL once listening (with the real port when the config says 0). */
  readonly url: string | null;
  /** Sends a request without a socket (the CLI's in-process path and tests). */
  inject(request: { method: string; url: string; headers?: Record<string, string>; payload?: unknown }): Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

function sendError(reply: FastifyReply, error: unknown, runtime: Runtime): void {
  const response = toErrorResponse(error, runtime.logger, runtime.config.api.bodyLimitBytes);
  if (!reply.sent) void reply.status(response.status).send(response.body);
}

function credentialsOf(request: FastifyRequest) {
  const query = request.query as Record<string, unknown> | undefined;
  const accessToken = request.url.startsWith(`${ADMIN_PREFIX}/events`) && typeof query?.access_token === 'string' ? query.access_token : undefined;
  return { authorization: request.headers.authorization, accessToken };
}

function parsePart(schema: Route['params'], value: unknown, fallback: unknown): unknown {
  if (!schema) return undefined;
  return parseWith(schema, value ?? fallback);
}

/**
 * PostgreSQL stores no NUL character, in text or in jsonb: a string holding one would fail
 * in the database (a 500), so it is refused here, naming where it is. Iterative: bodies may be
 * nested deeper than the stack.
 */
function refuseNul(value: unknown): void {
  const pending: Array<[unknown, string]> = [[value, '']];
  while (pending.length > 0) {
    const [item, path] = pending.pop()!;
    if (typeof item === 'string') {
      if (item.includes('\u0000')) throw new HourglassError(ErrorCode.validationError, `${path || 'body'}: the NUL character (\\u0000) is not allowed`, { field: path || 'body' });
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        if (key.includes('\u0000')) throw new HourglassError(ErrorCode.validationError, `${path || 'body'}: the NUL character (\\u0000) is not allowed in a key`, { field: path || 'body' });
        pending.push([child, path ? `${path}.${key}` : key]);
      }
    }
  }
}

function registerRoute(app: FastifyInstance, route: Route, deps: ApiDeps): void {
  const { services, runtime } = deps;
  const limiter = app.rateLimit({
    max: runtime.config.api.rateLimitMax,
    timeWindow: runtime.config.api.rateLimitWindowMs,
    hook: 'preHandler',
    keyGenerator: (request) => request.actor?.name ?? request.ip,
    errorResponseBuilder: (_, context) => new HourglassError(ErrorCode.rateLimited, `too many changes with this token: at most ${context.max} per ${context.after}; retry after the Retry-After header's seconds`),
  });
  const rateLimited = route.rateLimited ?? route.method !== 'GET';
  app.route({
    method: route.method,
    url: route.path,
    onRequest: route.role
      ? async (request) => {
          request.actor = await authenticate(services.tokens, credentialsOf(request));
          authorize(request.actor, route.role!);
        }
      : undefined,
    preHandler: rateLimited ? limiter : undefined,
    handler: async (request, reply) => {
      if (!route.body && request.body !== undefined) throw new HourglassError(ErrorCode.validationError, 'body: this endpoint takes no body', { field: 'body' });
      const [unknownParameter] = route.query ? [] : Object.keys((request.query as object | undefined) ?? {});
      if (unknownParameter !== undefined) throw new HourglassError(ErrorCode.validationError, `${unknownParameter}: this endpoint takes no query parameters`, { field: unknownParameter });
      for (const part of [request.params, request.query, request.body]) refuseNul(part);
      const reply_ = await route.handle(
        {
          params: parsePart(route.params, request.params, {}),
          query: parsePart(route.query, request.query, {}),
          body: route.body ? parseWith(route.body, request.body === undefined && route.bodyOptional ? {} : request.body) : undefined,
          actor: request.actor ?? { name: 'anonymous' },
          headers: request.headers as Record<string, string | undefined>,
        },
        deps,
      );
      void reply.status(reply_.status ?? 200);
      return reply_.status === 204 ? reply.send() : reply.send(reply_.body);
    },
  });
}

/** `GET /api/admin/events`: server-sent events with heartbeats, scoped to the token's tenant. */
function registerEventStream(app: FastifyInstance, hub: EventHub, deps: ApiDeps): void {
  app.get(`${ADMIN_PREFIX}/events`, {
    onRequest: async (request) => {
      request.actor = await authenticate(deps.services.tokens, credentialsOf(request));
      authorize(request.actor, 'viewer');
    },
    handler: async (request, reply) => {
      const raw = reply.raw;
      const write = (text: string) => void raw.write(text);
      // Subscribed before `ready`: a client that saw `ready` gets every change committed after it.
      const unsubscribe = await hub.subscribe(request.actor!, (event) => write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`));
      reply.hijack();
      if (request.raw.destroyed || raw.destroyed) return unsubscribe();
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ at: new Date().toISOString() })}\n\n`);
      const heartbeat = setInterval(() => write(`: heartbeat ${new Date().toISOString()}\n\n`), deps.runtime.config.api.sseHeartbeatMs);
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
      };
      raw.on('close', end);
      raw.on('error', end);
    },
  });
}

function registerOperational(app: FastifyInstance, deps: ApiDeps, metrics: Metrics): void {
  const { runtime } = deps;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_, reply) => {
    const checks: Record<string, string> = {};
    try {
      await runtime.db.query('select 1');
      checks.database = 'ok';
      const pending = await listPendingMigrations(runtime.db, runtime.schema);
      checks.migrations = pending.length === 0 ? 'ok' : `pending: ${pending.join(', ')}`;
    } catch (error) {
      checks.database = `unreachable: ${(error as Error).message}`;
    }
    const ready = Object.values(checks).every((check) => check === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });
  app.get('/metrics', async (_, reply) => reply.type(metrics.contentType).send(await metrics.render()));
  const openApi = buildOpenApiDocument(routes);
  app.get('/api/openapi.json', async () => openApi);
}

async function buildApp(deps: ApiDeps, hub: EventHub, metrics: Metrics): Promise<FastifyInstance> {
  const { runtime } = deps;
  const app = Fastify({
    bodyLimit: runtime.config.api.bodyLimitBytes,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 2000 },
    logger: false,
    // Errors the router raises before any route (a malformed URL, an over-long parameter) get
    // the same translation as every other error.
    frameworkErrors: (error, _, reply) => sendError(reply, error, runtime),
  });
  // An empty body with a JSON content type is "no options", like no body at all.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else parseJson(request, body as string, done);
  });
  app.setErrorHandler((error, _, reply) => sendError(reply, error, runtime));
  app.setNotFoundHandler((request, reply) => sendError(reply, new HourglassError(ErrorCode.notFound, `no endpoint ${request.method} ${request.url.split('?')[0]}`), runtime));
  await app.register(rateLimit, { global: false });
  for (const route of routes) registerRoute(app, route, deps);
  registerEventStream(app, hub, deps);
  registerOperational(app, deps, metrics);
  await registerConsole(app);
  return app;
}

export async function createApiServer(runtime: Runtime, services: Services): Promise<ApiServer> {
  const deps: ApiDeps = { runtime, services };
  const hub = createEventHub(runtime);
  const metrics = createMetrics(runtime);
  const app = await buildApp(deps, hub, metrics);
  let url: string | null = null;
  return {
    get url() {
      return url;
    },
    async listen() {
      await hub.start();
      await app.listen({ host: runtime.config.api.host, port: runtime.config.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : runtime.config.port;
      url = runtime.config.api.publicUrl?.replace(/\/$/, '') ?? `http://localhost:${port}`;
      return url;
    },
    async inject(request) {
      const response = await app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, payload: request.payload as string | object | undefined });
      return { statusCode: response.statusCode, body: response.body, headers: response.headers };
    },
    async close() {
      await hub.stop();
      metrics.stop();
      await app.close();
      url = null;
    },
  };
}
