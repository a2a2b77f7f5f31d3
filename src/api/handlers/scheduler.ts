/**
 * `/api/admin/scheduler/status` (processes, late schedules, queue) and `/api/admin/job-types`
 * (the registry of the process that answers, with groups and dependencies).
 */
import type { JobType } from '../../registry/registry.js';
import { defineRoute, ADMIN_PREFIX, type Route } from '../define-route.js';
import { serializeWorker, toWire } from '../serialize.js';
import { z } from 'zod';
import type { JobTypeWire, JobTypesWire, SchedulerStatusWire } from '../wire.js';

const statusQuery = z.strictObject({ include_stopped: z.enum(['true', 'false']).optional() });

function serializeJobType(job: JobType): JobTypeWire {
  return {
    name: job.name,
    description: job.description,
    group: job.group,
    depends_on: job.dependsOn,
    steps: job.steps,
    timeout_seconds: job.timeoutSeconds,
    max_attempts: job.maxAttempts,
    concurrency: job.concurrency,
    priority: job.priority,
    builtin: job.builtin,
    has_payload_schema: job.payloadSchema !== null,
  };
}

export const schedulerRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/scheduler/status`,
    summary: 'Processes with their heartbeats, schedule and queue counts',
    role: 'viewer',
    query: statusQuery,
    async handle({ query, actor }, { services }) {
      const status = await services.schedulerStatus.status({ includeStopped: query.include_stopped === 'true' }, actor);
      const body: SchedulerStatusWire = {
        now: status.now.toISOString(),
        stale_after_ms: status.staleAfterMs,
        workers: status.workers.map((worker) => serializeWorker(worker, status.now, status.staleAfterMs)),
        ...toWire(status.counts),
      };
      return { body };
    },
  }),
  defineRoute({
    method: 'GET',
    path: `${ADMIN_PREFIX}/job-types`,
    summary: 'Registered job types with groups and dependencies',
    role: 'viewer',
    async handle(_, { runtime }) {
      const jobTypes = runtime.registry.list();
      const body: JobTypesWire = { items: jobTypes.map(serializeJobType), groups: runtime.registry.groups() };
      return { body };
    },
  }),
];
