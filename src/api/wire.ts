/**
 * The wire format of the admin REST API: snake_case request schemas (zod; they validate every
 * body, query string and path parameter and generate `/api/openapi.json`) and the response
 * types, derived from the domain model so the two cannot drift. `web/` imports the types from
 * here and nothing else.
 *
 * Request bodies reuse the services' own input schemas with their keys in snake_case, so the
 * library, the CLI and the API accept exactly the same values with the same limits. Every
 * object is strict: an unknown field is a `validation_error` naming it.
 */
import { z } from 'zod';
import { snakeCase } from '../util/case.js';
import type { JobRun, JobRunLog, ScheduledJob, WorkerRecord } from '../model.js';
import type { ApiToken } from '../db/queries/api-tokens.js';
import type { AuditLogEntry } from '../db/queries/audit-log.js';
import type { SchedulerCounts } from '../db/queries/scheduler-status.js';
import type { Dashboard, ScheduleStats } from '../services/dashboard.js';
import type { PlannedRun } from '../scheduler/plan-firing.js';
import { INSTANT_RANGE_MESSAGE, instantSchema, isStorableInstant, pauseInputSchema, scheduleInputSchema } from '../services/schedule-input.js';
import { enqueueInputSchema } from '../services/runs.js';
import { tokenInputSchema } from '../services/tokens.js';

/** `camelCase` → `snake_case`, as a type. */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S;

type WireValue<T> = T extends Date ? string : T;
/** A domain object as it travels: snake_case keys, instants as ISO strings. */
export type Wire<T> = { [K in keyof T as K extends string ? SnakeCase<K> : never]: WireValue<T[K]> };

/** Like `Wire`, at every depth (Hourglass's own report shapes, never user data). */
export type WireDeep<T> = T extends Date
  ? string
  : T extends readonly (infer Item)[]
    ? WireDeep<Item>[]
    : T extends object
      ? { [K in keyof T as K extends string ? SnakeCase<K> : never]: WireDeep<T[K]> }
      : T;

type SnakeShape<S extends z.ZodRawShape> = { [K in keyof S as K extends string ? SnakeCase<K> : never]: S[K] };

/** A strict object schema with the keys of `shape` in snake_case. */
function snakeObject<S extends z.ZodRawShape>(shape: S): z.ZodObject<SnakeShape<S>, z.core.$strict> {
  const entries = Object.entries(shape).map(([key, schema]) => [snakeCase(key), schema]);
  return z.strictObject(Object.fromEntries(entries)) as unknown as z.ZodObject<SnakeShape<S>, z.core.$strict>;
}

// ---- path and query parameters --------------------------------------------------------------

const limit = z
  .string()
  .regex(/^\d{1,4}$/, 'expected a whole number from 1 to 500')
  .transform(Number)
  .pipe(z.number().int().min(1, 'expected a whole number from 1 to 500').max(500, 'expected a whole number from 1 to 500'));
const cursor = z.string().min(1).max(500);
const filterText = z.string().min(1).max(200);
const uuid = z.uuid({ error: 'expected a uuid' });
const queryInstant = z.iso
  .datetime({ offset: true, error: 'expected an ISO 8601 instant with an offset, e.g. 2026-01-01T00:00:00Z' })
  .transform((value) => new Date(value))
  .refine(isStorableInstant, INSTANT_RANGE_MESSAGE);

export const idParams = z.strictObject({ id: z.string().min(1).max(200) });

export const scheduleListQuery = z.strictObject({
  status: z.enum(['active', 'paused', 'inactive']).optional(),
  tenant_id: filterText.optional(),
  source: z.enum(['code', 'api', 'import']).optional(),
  job_type: filterText.optional(),
  search: filterText.optional(),
  limit: limit.optional(),
  cursor: cursor.optional(),
});

export const runListQuery = z.strictObject({
  scheduled_job_id: uuid.optional(),
  tenant_id: filterText.optional(),
  job_type: filterText.optional(),
  status: z.enum(['pending', 'running', 'completed', 'failed', 'cancelled', 'skipped']).optional(),
  trigger: z.enum(['cron', 'manual', 'api', 'retry', 'catch_up', 'backfill', 'event']).optional(),
  batch_id: uuid.optional(),
  since: queryInstant.optional(),
  until: queryInstant.optional(),
  limit: limit.optional(),
  cursor: cursor.optional(),
});

/** A schedule's history: the run filters minus the schedule itself. */
export const historyQuery = runListQuery.omit({ scheduled_job_id: true });

export const logQuery = z.strictObject({
  after_id: z.string().regex(/^\d{1,15}$/, 'expected a log line id').transform(Number).optional(),
  limit: z.string().regex(/^\d{1,4}$/, 'expected a whole number from 1 to 5000').transform(Number).pipe(z.number().int().min(1).max(5000)).optional(),
});

export const auditListQuery = z.strictObject({
  actor: filterText.optional(),
  action: filterText.optional(),
  entity: z.enum(['scheduled_job', 'job_run', 'api_token']).optional(),
  entity_id: filterText.optional(),
  tenant_id: filterText.optional(),
  since: queryInstant.optional(),
  until: queryInstant.optional(),
  limit: limit.optional(),
  cursor: cursor.optional(),
});

export const tokenListQuery = z.strictObject({ include_revoked: z.enum(['true', 'false']).optional() });

// ---- request bodies ---------------------------------------------------------------------------

export const scheduleCreateBody = snakeObject(scheduleInputSchema.shape);
/** PUT: the fields to change, and the version they were read at (or an `If-Match` header). */
export const scheduleUpdateBody = snakeObject({
  ...scheduleInputSchema.partial().shape,
  version: z.number().int().min(1).optional(),
});
export const pauseBody = snakeObject(pauseInputSchema.shape);
export const triggerBody = z.strictObject({ payload: z.record(z.string(), z.unknown()).optional() });
export const backfillBody = z.strictObject({ from: instantSchema, to: instantSchema });
export const emptyBody = z.strictObject({});
export const enqueueBody = snakeObject(enqueueInputSchema.shape);
export const tokenCreateBody = snakeObject(tokenInputSchema.shape);

const cronExpression = z.string().min(1).max(200);
const timezone = z.string().min(1).max(100);
export const cronValidateBody = z.strictObject({ cron_expression: cronExpression, timezone: timezone.optional() });
export const cronPreviewBody = z.strictObject({
  cron_expression: cronExpression,
  timezone: timezone.optional(),
  count: z.number().int().min(1).max(100).optional(),
  from: instantSchema.optional(),
  dst_gap: z.enum(['shift', 'skip']).optional(),
  dst_overlap: z.enum(['first', 'last', 'both']).optional(),
});

// ---- responses --------------------------------------------------------------------------------

export type ScheduledJobWire = Wire<ScheduledJob> & {
  /** `status === 'active'`, for teams coming from a boolean column. */
  is_active: boolean;
  /** On single reads: the next slots (ISO UTC). */
  next_runs?: string[];
};
export type JobRunWire = Wire<JobRun>;
export type JobRunLogWire = Wire<JobRunLog>;
export type JobRunDetailWire = JobRunWire & { logs: JobRunLogWire[] };
export type WorkerWire = Wire<WorkerRecord> & { alive: boolean };
export type ApiTokenWire = Wire<ApiToken>;
export type CreatedTokenWire = ApiTokenWire & { token: string };

export type AuditEntryWire = Wire<AuditLogEntry>;

/** What a trigger or backfill answers: the counts and the runs it planned. */
export interface FiringWire {
  fired: number;
  skipped: number;
  runs: Array<Wire<PlannedRun>>;
}

/** `GET /me`: the calling token. */
export interface MeWire {
  name: string;
  role: 'admin' | 'operator' | 'viewer';
  tenant_id: string | null;
}

/** `GET /dashboard`: report figures snake_cased at every depth; failed runs as runs. */
export type DashboardWire = WireDeep<Omit<Dashboard, 'recentFailures'>> & { recent_failures: JobRunWire[] };
/** `GET /scheduled-jobs/:id/stats`. */
export type ScheduleStatsWire = WireDeep<Omit<ScheduleStats, 'recentFailures'>> & { recent_failures: JobRunWire[] };

/** `GET /scheduler/status`: processes and the schedule and queue counts. */
export type SchedulerStatusWire = { now: string; stale_after_ms: number; workers: WorkerWire[] } & Wire<SchedulerCounts>;

export interface JobTypeWire {
  name: string;
  description: string | null;
  group: string | null;
  depends_on: string[];
  steps: string[] | null;
  timeout_seconds: number | null;
  max_attempts: number;
  concurrency: number | null;
  priority: number;
  builtin: boolean;
  has_payload_schema: boolean;
}

/** `GET /job-types`: the registry of the process that answers. */
export interface JobTypesWire {
  items: JobTypeWire[];
  groups: string[];
}

export interface PageWire<T> {
  items: T[];
  next_cursor: string | null;
}

export interface ErrorWire {
  error: { code: string; message: string; field?: string };
}

export interface CronPreviewWire {
  description: string;
  next_runs: string[];
}

export type CronValidateWire = { valid: true; description: string } | { valid: false; error: ErrorWire['error'] };

/** One event of `GET /events` (`event:` is the type, `data:` this JSON). */
export interface LiveEventWire {
  type: 'run.created' | 'run.started' | 'run.finished' | 'run.status_changed' | 'schedule.created' | 'schedule.updated' | 'schedule.deleted' | 'runs.bulk_changed' | 'schedules.bulk_changed';
  id?: string;
  status?: string;
  previous_status?: string | null;
  tenant_id?: string | null;
  job_type?: string;
  scheduled_job_id?: string | null;
  batch_id?: string | null;
  count?: number;
}
