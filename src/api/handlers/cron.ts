/**
 * `/api/admin/cron/validate` and `/cron/preview`: the create form's live check. Validation
 * answers 200 either way (`valid: false` with the error); preview answers 400 for an invalid
 * expression or zone, like every other endpoint.
 */
import { isHourglassError } from '../../errors.js';
import { describeCron, nextCronSlots, validateCron } from '../../time/cron.js';
import { assertTimezone } from '../../time/zones.js';
import { defineRoute, ADMIN_PREFIX, type Route } from '../define-route.js';
import { cronPreviewBody, cronValidateBody, type CronPreviewWire, type CronValidateWire } from '../wire.js';

const DEFAULT_PREVIEW_COUNT = 5;

export const cronRoutes: Route[] = [
  defineRoute({
    method: 'POST',
    path: `${ADMIN_PREFIX}/cron/validate`,
    summary: 'Check a cron expression (and zone); describe it in words',
    role: 'viewer',
    rateLimited: false,
    body: cronValidateBody,
    async handle({ body }) {
      try {
        const expression = validateCron(body.cron_expression, 'cron_expression');
        assertTimezone(body.timezone ?? 'UTC', 'timezone');
        const answer: CronValidateWire = { valid: true, description: describeCron(expression) };
        return { body: answer };
      } catch (error) {
        if (!isHourglassError(error)) throw error;
        const answer: CronValidateWire = { valid: false, error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
        return { body: answer };
      }
    },
  }),
  defineRoute({
    method: 'POST',
    path: `${ADMIN_PREFIX}/cron/preview`,
    summary: 'The next slots of a cron expression in a zone (ISO UTC)',
    role: 'viewer',
    rateLimited: false,
    body: cronPreviewBody,
    async handle({ body }, { runtime }) {
      const expression = validateCron(body.cron_expression, 'cron_expression');
      const timezone = assertTimezone(body.timezone ?? 'UTC', 'timezone');
      const from = body.from ?? runtime.clock.now();
      const slots = nextCronSlots({ expression, timezone, dstGap: body.dst_gap ?? 'shift', dstOverlap: body.dst_overlap ?? 'first' }, from, body.count ?? DEFAULT_PREVIEW_COUNT);
      const answer: CronPreviewWire = { description: describeCron(expression), next_runs: slots.map((slot) => slot.toISOString()) };
      return { body: answer };
    },
  }),
];
