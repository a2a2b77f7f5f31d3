/**
 * `/api/admin/scheduled-jobs`: list, read (by id or key, with the next slots), create,
 * change (optimistic: `version` or `If-Match`), delete, the operator's actions (trigger,
 * pause, resume, enable, disable, backfill), a schedule's run history and its stats.
 */
import { ErrorCode, HourglassError } from '../../errors.js';
import { timingOf } from '../../scheduler/tick.js';
import type { ScheduleInput } from '../../services/schedule-input.js';
import { listUpcomingSlots } from '../../time/slots.js';
import { defineRoute, ADMIN_PREFIX, type Route } from '../define-route.js';
import { bodyToInput, serializeFiring, serializePage, serializeRun, serializeSchedule, serializeStats } from '../serialize.js';
import { backfillBody, emptyBody, historyQuery, idParams, pauseBody, scheduleCreateBody, scheduleListQuery, scheduleUpdateBody, triggerBody } from '../wire.js';
import type { ScheduledJob } from '../../model.js';

const base = `${ADMIN_PREFIX}/scheduled-jobs`;
const UPCOMING_COUNT = 5;

const withNextRuns = (schedule: ScheduledJob) => serializeSchedule(schedule, schedule.status === 'inactive' ? [] : listUpcomingSlots(timingOf(schedule), UPCOMING_COUNT));


/** The version a PUT was read at: the body's `version`, else `If-Match` (`"3"`, `W/"3"` or `3`). */
function expectedVersion(bodyVersion: number | undefined, ifMatch: string | undefined): number {
  if (bodyVersion !== undefined) return bodyVersion;
  const match = ifMatch === undefined ? null : /^(?:W\/)?"?(\d{1,9})"?$/.exec(ifMatch.trim());
  if (match) return Number(match[1]);
  throw new HourglassError(ErrorCode.validationError, 'version: expected the version the schedule was read at (in the body, or an If-Match header), so a concurrent change is a 409 instead of a lost update', { field: 'version' });
}

export const scheduledJobRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: base,
    summary: 'List schedules (filters, cursor pagination)',
    role: 'viewer',
    query: scheduleListQuery,
    async handle({ query, actor }, { services }) {
      const page = await services.schedules.list({ status: query.status, tenantId: query.tenant_id, source: query.source, jobType: query.job_type, search: query.search, limit: query.limit, cursor: query.cursor }, actor);
      return { body: serializePage(page, (schedule) => serializeSchedule(schedule)) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: base,
    summary: 'Create a schedule',
    role: 'admin',
    body: scheduleCreateBody,
    async handle({ body, actor }, { services }) {
      const created = await services.schedules.create(bodyToInput(body) as ScheduleInput, actor);
      return { status: 201, body: withNextRuns(created) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: `${base}/:id`,
    summary: 'One schedule by id or key, with its next slots',
    role: 'viewer',
    params: idParams,
    async handle({ params, actor }, { services }) {
      return { body: withNextRuns(await services.schedules.get(params.id, actor)) };
    },
  }),
  defineRoute({
    method: 'PUT',
    path: `${base}/:id`,
    summary: 'Change a schedule (the fields given; `version` or If-Match required)',
    role: 'admin',
    params: idParams,
    body: scheduleUpdateBody,
    async handle({ params, body, actor, headers }, { services }) {
      const { version, ...fields } = body;
      const expected = expectedVersion(version, headers['if-match']);
      const updated = await services.schedules.update(params.id, bodyToInput(fields) as Partial<ScheduleInput>, { version: expected, actor });
      return { body: withNextRuns(updated) };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: `${base}/:id`,
    summary: 'Delete a schedule (its runs stay, detached)',
    role: 'admin',
    params: idParams,
    async handle({ params, actor }, { services }) {
      await services.schedules.delete(params.id, actor);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'POST',
    path: `${base}/:id/trigger`,
    summary: 'Run now (trigger manual), whatever the status and overlap policy',
    role: 'operator',
    params: idParams,
    body: triggerBody,
    bodyOptional: true,
    async handle({ params, body, actor }, { services }) {
      return { status: 201, body: serializeFiring(await services.schedules.trigger(params.id, { payload: body.payload }, actor)) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: `${base}/:id/pause`,
    summary: 'Pause, with an optional note and resume time',
    role: 'operator',
    params: idParams,
    body: pauseBody,
    bodyOptional: true,
    async handle({ params, body, actor }, { services }) {
      return { body: withNextRuns(await services.schedules.pause(params.id, { note: body.note, until: body.until }, actor)) };
    },
  }),
  ...(['resume', 'enable', 'disable'] as const).map((action) =>
    defineRoute({
      method: 'POST',
      path: `${base}/:id/${action}`,
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} a schedule`,
      role: 'operator',
      params: idParams,
      body: emptyBody,
      bodyOptional: true,
      async handle({ params, actor }, { services }) {
        return { body: withNextRuns(await services.schedules[action](params.id, actor)) };
      },
    }),
  ),
  defineRoute({
    method: 'POST',
    path: `${base}/:id/backfill`,
    summary: 'Fire every slot in (from, to] (trigger backfill, overlap policy applies)',
    role: 'operator',
    params: idParams,
    body: backfillBody,
    async handle({ params, body, actor }, { services }) {
      return { status: 201, body: serializeFiring(await services.schedules.backfill(params.id, { from: body.from, to: body.to }, actor)) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: `${base}/:id/history`,
    summary: "A schedule's runs, newest first",
    role: 'viewer',
    params: idParams,
    query: historyQuery,
    async handle({ params, query, actor }, { services }) {
      const schedule = await services.schedules.get(params.id, actor);
      const page = await services.runs.list(
        { scheduledJobId: schedule.id, tenantId: query.tenant_id, jobType: query.job_type, status: query.status, trigger: query.trigger, batchId: query.batch_id, since: query.since, until: query.until, limit: query.limit, cursor: query.cursor },
        actor,
      );
      return { body: serializePage(page, serializeRun) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: `${base}/:id/stats`,
    summary: "A schedule's counts, daily success rate and durations, lateness and next slots",
    role: 'viewer',
    params: idParams,
    async handle({ params, actor }, { services }) {
      return { body: serializeStats(await services.dashboard.scheduleStats(params.id, actor)) };
    },
  }),
];
