/**
 * `GET /api/admin/notifications` (admin): the notification rules and channels from config
 * (secrets, passwords and webhook URL credentials redacted) and the recent deliveries, newest
 * first, paged with `cursor`.
 */
import { z } from 'zod';
import { defineRoute, ADMIN_PREFIX, type Route } from '../define-route.js';
import { listDeliveries, type DeliveryRecord } from '../../db/queries/notifications.js';
import { redactChannel } from '../../notifications/channels.js';
import { decodeCursor, encodeCursor, invalidCursor } from '../../services/cursor.js';

const CURSOR_AT = /^[1-9]\d{3}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const notificationsQuery = z.strictObject({
  limit: z.string().regex(/^\d{1,3}$/, 'expected a whole number from 1 to 200').transform(Number).pipe(z.number().int().min(1).max(200)).optional(),
  cursor: z.string().max(500).optional(),
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
});

/** The calendar date exists (JavaScript would roll 02-31 over into March; PostgreSQL refuses it). */
function isRealDate(text: string): boolean {
  const day = text.slice(0, 10);
  const parsed = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === day;
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

function serializeDelivery(delivery: DeliveryRecord) {
  // cursorAt is internal; payload is the message as channels received it (no secrets in it).
  const payload = delivery.payload as { title?: unknown; kind?: unknown; total?: unknown; event?: unknown };
  return {
    id: delivery.id,
    rule: delivery.rule,
    channel: delivery.channel,
    event: typeof payload.event === 'string' ? payload.event : null,
    kind: typeof payload.kind === 'string' ? payload.kind : null,
    title: typeof payload.title === 'string' ? payload.title : null,
    total: typeof payload.total === 'number' ? payload.total : null,
    run_id: delivery.runId,
    scheduled_job_id: delivery.scheduledJobId,
    status: delivery.status,
    attempts: delivery.attempts,
    last_error: delivery.lastError,
    next_attempt_at: iso(delivery.nextAttemptAt),
    created_at: iso(delivery.createdAt),
    delivered_at: iso(delivery.deliveredAt),
    payload: delivery.payload,
  };
}

export const notificationRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/notifications`,
    summary: 'Notification rules and channels (redacted) and recent deliveries',
    role: 'admin',
    query: notificationsQuery,
    async handle({ query }, { runtime }) {
      const config = runtime.config.notifications;
      const limit = query.limit ?? 50;
      let before: { createdAt: string; id: string } | undefined;
      if (query.cursor) {
        const [createdAt, id] = decodeCursor(query.cursor, 2) as [string, string];
        // A cursor is ours only if it holds a timestamp as PostgreSQL prints it and a uuid.
        if (!CURSOR_AT.test(createdAt) || !isRealDate(createdAt) || !UUID.test(id)) throw invalidCursor();
        before = { createdAt, id };
      }
      const rows = await listDeliveries(runtime.db, runtime.schema, { limit: limit + 1, before, status: query.status });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        body: {
          enabled: config.enabled,
          rules: config.rules.map((rule) => ({ name: rule.name, on: rule.on, threshold: rule.threshold ?? null, filter: rule.filter ?? null, channels: rule.channels })),
          channels: Object.fromEntries(Object.entries(config.channels).map(([name, channel]) => [name, redactChannel(channel)])),
          deliveries: {
            items: page.map(serializeDelivery),
            next_cursor: rows.length > limit && last ? encodeCursor([last.cursorAt ?? iso(last.createdAt)!, last.id]) : null,
          },
        },
      };
    },
  }),
];
