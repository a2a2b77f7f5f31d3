/**
 * `/api/admin/tokens`: the same token management as `hourglass tokens`, for admins. The
 * secret is in the create response only. `/api/admin/me`: who the calling token is (the
 * console shows only the controls its role allows).
 */
import type { TokenInput } from '../../services/tokens.js';
import { defineRoute, ADMIN_PREFIX, type Route } from '../define-route.js';
import { bodyToInput, serializeToken } from '../serialize.js';
import { idParams, tokenCreateBody, tokenListQuery, type MeWire } from '../wire.js';

export const tokenRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/me`,
    summary: "The calling token's name, role and tenant",
    role: 'viewer',
    async handle({ actor }) {
      const body: MeWire = { name: actor.name, role: actor.role ?? 'admin', tenant_id: actor.tenantId ?? null };
      return { body };
    },
  }),
  defineRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/tokens`,
    summary: 'List API tokens (never their secrets)',
    role: 'admin',
    query: tokenListQuery,
    async handle({ query, actor }, { services }) {
      const tokens = await services.tokens.list({ includeRevoked: query.include_revoked === 'true' }, actor);
      return { body: { items: tokens.map(serializeToken), next_cursor: null } };
    },
  }),
  defineRoute({
    method: 'POST',
    path: `${ADMIN_PREFIX}/tokens`,
    summary: 'Create an API token; the response holds its secret, shown once',
    role: 'admin',
    body: tokenCreateBody,
    async handle({ body, actor }, { services }) {
      const { token, secret } = await services.tokens.create(bodyToInput(body) as TokenInput, actor);
      return { status: 201, body: { ...serializeToken(token), token: secret } };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: `${ADMIN_PREFIX}/tokens/:id`,
    summary: 'Revoke a token by id (or by name when unique)',
    role: 'admin',
    params: idParams,
    async handle({ params, actor }, { services }) {
      return { body: serializeToken(await services.tokens.revoke(params.id, actor)) };
    },
  }),
];
