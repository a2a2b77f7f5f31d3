/**
 * `GET /api/openapi.json`, generated from the route table and the same zod schemas that
 * validate requests, so the document cannot disagree with the server.
 */
import { z } from 'zod';
import { VERSION } from '../version.js';
import type { Route } from './define-route.js';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const { properties = {}, required = [] } = toSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(properties).map(([name, property]) => ({ name, in: location, required: location === 'path' || required.includes(name), schema: property }));
}

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } } },
};

function operation(route: Route) {
  const success = route.method === 'DELETE' && route.path.endsWith('/:id') && !route.path.includes('/tokens/') ? '204' : route.method === 'POST' ? '2XX' : '200';
  const errors = Object.fromEntries(
    ['400', '401', '403', '404', '409', '413', '429'].map((status) => [status, { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
  );
  return {
    summary: route.summary,
    ...(route.role ? { security: [{ bearer: [] }], 'x-required-role': route.role } : {}),
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    ...(route.body ? { requestBody: { required: !route.bodyOptional, content: { 'application/json': { schema: toSchema(route.body) } } } } : {}),
    responses: { [success]: { description: 'success' }, ...errors },
  };
}

export function buildOpenApiDocument(routes: readonly Route[]): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([a-z_]+)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Hourglass admin API', version: VERSION },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Error: errorSchema } },
    paths,
  };
}
