/**
 * One REST endpoint as data: method, path, the role it needs, the zod schemas of its path,
 * query and body, and a framework-free handler that returns a status and a body (the
 * bull-board idea). `server.ts` turns the table into Fastify routes; `openapi.ts` into the
 * OpenAPI document. Handlers never see the framework, so they can be tested without HTTP.
 */
import type { z } from 'zod';
import type { Runtime } from '../runtime.js';
import type { Services } from '../services/index.js';
import type { Actor, Role } from '../services/actor.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiDeps {
  runtime: Runtime;
  services: Services;
}

export interface ApiRequest<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  actor: Actor;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
}

export interface ApiReply {
  /** @default 200 */
  status?: number;
  body?: unknown;
}

type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteDefinition<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined> {
  method: HttpMethod;
  /** Fastify syntax: `/api/admin/scheduled-jobs/:id`. */
  path: string;
  summary: string;
  /** The least role that may call it; `null`: no token needed. */
  role: Role | null;
  params?: P;
  query?: Q;
  /** The body schema; a route without one takes no body. */
  body?: B;
  /** Whether a missing body counts as `{}` (action endpoints whose options are all optional). */
  bodyOptional?: boolean;
  /** Counted against the token's rate limit. @default method !== 'GET' */
  rateLimited?: boolean;
  handle(request: ApiRequest<Output<P>, Output<Q>, Output<B>>, deps: ApiDeps): Promise<ApiReply>;
}

/** A route with its types erased, as the server and the OpenAPI generator see it. */
export interface Route {
  method: HttpMethod;
  path: string;
  summary: string;
  role: Role | null;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  bodyOptional?: boolean;
  rateLimited?: boolean;
  handle(request: ApiRequest<unknown, unknown, unknown>, deps: ApiDeps): Promise<ApiReply>;
}

export function defineRoute<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  definition: RouteDefinition<P, Q, B>,
): Route {
  return definition as unknown as Route;
}

export const ADMIN_PREFIX = '/api/admin';
