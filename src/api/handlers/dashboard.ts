/**
 * `/api/admin/dashboard` and `/api/admin/audit-log`.
 */
import { defineRoute, ADMIN_PREFIX, type Route } from '../define-route.js';
import { serializePage, serializeStats, toWire } from '../serialize.js';
import { auditListQuery } from '../wire.js';

export const dashboardRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/dashboard`,
    summary: 'Counts by status, 30 days of success rate and durations, failures, late schedules, upcoming slots',
    role: 'viewer',
    async handle({ actor }, { services }) {
      return { body: serializeStats(await services.dashboard.dashboard(actor)) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/audit-log`,
    summary: 'Every change with actor, action, before and after; newest first',
    role: 'admin',
    query: auditListQuery,
    async handle({ query, actor }, { services }) {
      const page = await services.audit.list(
        { actor: query.actor, action: query.action, entity: query.entity, entityId: query.entity_id, tenantId: query.tenant_id, since: query.since, until: query.until, limit: query.limit, cursor: query.cursor },
        actor,
      );
      return { body: serializePage(page, (entry) => toWire(entry)) };
    },
  }),
];
