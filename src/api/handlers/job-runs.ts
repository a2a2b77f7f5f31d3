/**
 * `/api/admin/job-runs`: list with filters, enqueue a one-off run, read one run with its logs
 * (and page through longer logs), cancel and retry.
 */
import type { EnqueueInput } from '../../services/runs.js';
import { defineRoute, ADMIN_PREFIX, type Route } from '../define-route.js';
import { bodyToInput, serializeLog, serializePage, serializeRun } from '../serialize.js';
import { emptyBody, enqueueBody, idParams, logQuery, runListQuery } from '../wire.js';

const base = `${ADMIN_PREFIX}/job-runs`;
/** Log lines included with a run; older runs with more page through `/logs`. */
const INLINE_LOG_LINES = 1000;

export const jobRunRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: base,
    summary: 'List runs, newest first (filters, cursor pagination)',
    role: 'viewer',
    query: runListQuery,
    async handle({ query, actor }, { services }) {
      const page = await services.runs.list(
        { scheduledJobId: query.scheduled_job_id, tenantId: query.tenant_id, jobType: query.job_type, status: query.status, trigger: query.trigger, batchId: query.batch_id, since: query.since, until: query.until, limit: query.limit, cursor: query.cursor },
        actor,
      );
      return { body: serializePage(page, serializeRun) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: base,
    summary: 'Enqueue a one-off run of a job type (trigger api)',
    role: 'operator',
    body: enqueueBody,
    async handle({ body, actor }, { services }) {
      return { status: 201, body: serializeRun(await services.runs.enqueue(bodyToInput(body) as EnqueueInput, actor)) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: `${base}/:id`,
    summary: 'One run with its first log lines',
    role: 'viewer',
    params: idParams,
    async handle({ params, actor }, { services }) {
      const run = await services.runs.get(params.id, actor);
      const logs = await services.runs.logs(run.id, { limit: INLINE_LOG_LINES }, actor);
      return { body: { ...serializeRun(run), logs: logs.map(serializeLog) } };
    },
  }),
  defineRoute({
    method: 'GET',
    path: `${base}/:id/logs`,
    summary: "A run's log lines after `after_id` (follow a running run by polling with the last id)",
    role: 'viewer',
    params: idParams,
    query: logQuery,
    async handle({ params, query, actor }, { services }) {
      const lines = await services.runs.logs(params.id, { afterId: query.after_id, limit: query.limit }, actor);
      return { body: { items: lines.map(serializeLog), next_after_id: lines.at(-1)?.id ?? query.after_id ?? 0 } };
    },
  }),
  defineRoute({
    method: 'POST',
    path: `${base}/:id/cancel`,
    summary: 'Cancel a pending run, or ask its worker to abort a running one',
    role: 'operator',
    params: idParams,
    body: emptyBody,
    bodyOptional: true,
    async handle({ params, actor }, { services }) {
      return { body: serializeRun(await services.runs.cancel(params.id, actor)) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: `${base}/:id/retry`,
    summary: 'Run a finished run again as a new run (trigger retry)',
    role: 'operator',
    params: idParams,
    body: emptyBody,
    bodyOptional: true,
    async handle({ params, actor }, { services }) {
      return { status: 201, body: serializeRun(await services.runs.retry(params.id, actor)) };
    },
  }),
];
