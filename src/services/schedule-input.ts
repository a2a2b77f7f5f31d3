/**
 * What a schedule may look like: the zod schema of a create or update (camelCase; the REST
 * layer maps its snake_case body onto it), and the checks zod cannot make alone: the cron
 * expression, the zone, the blackout windows, the target against the registry, and the
 * consistency of schedule type and execution mode. Every error names its field.
 */
import { z } from 'zod';
import { snakeCase } from '../util/case.js';
import { ErrorCode, HourglassError } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import { validateCron } from '../time/cron.js';
import { validateExclusions } from '../time/exclusions.js';
import { assertTimezone } from '../time/zones.js';
import type { ExecutionMode, ScheduleType, ScheduledJob } from '../model.js';
import type { ScheduleColumns } from '../db/queries/scheduled-jobs.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const jsonObject = z.record(z.string(), z.unknown());
const seconds = z.number().int().min(1).max(10 * 365 * 86_400);
/**
 * Whether both backends store and read back `date`: years 1 to 9999 (UTC). PostgreSQL has no
 * year 0, and PGlite sends dates as ISO text, so `0000-01-01T00:00:00Z` (which the ISO format
 * allows) would fail in the database instead of being refused as bad input.
 */
export function isStorableInstant(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= 1 && year <= 9999;
}
export const INSTANT_RANGE_MESSAGE = 'expected an instant between the years 0001 and 9999 (UTC)';

/** An instant: a Date, or an ISO 8601 string with an offset. */
export const instantSchema = z.union([z.date(), z.iso.datetime({ offset: true }).transform((value) => new Date(value))]).refine(isStorableInstant, INSTANT_RANGE_MESSAGE);

export const scheduleInputSchema = z.strictObject({
  key: z.string().trim().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'expected 1-100 letters, digits or _ . : -').nullish(),
  name: text(200),
  description: z.string().max(2000).nullish(),
  tenantId: text(200).nullish(),
  source: z.enum(['code', 'api', 'import']).optional(),
  sourceRef: z.string().max(500).nullish(),
  executionMode: z.enum(['single_job', 'group', 'all_jobs', 'custom']).optional(),
  jobType: text(100).nullish(),
  jobGroup: text(100).nullish(),
  jobTypes: z.array(text(100)).min(1).max(500).nullish(),
  payload: jsonObject.optional(),
  metadata: jsonObject.optional(),
  scheduleType: z.enum(['cron', 'interval', 'once']).optional(),
  cronExpression: z.string().max(200).nullish(),
  timezone: z.string().max(100).optional(),
  intervalSeconds: seconds.nullish(),
  runAt: instantSchema.nullish(),
  status: z.enum(['active', 'paused', 'inactive']).optional(),
  /** Shorthand for `status` (true = active, false = inactive) for teams coming from a boolean column. */
  isActive: z.boolean().optional(),
  pausedUntil: instantSchema.nullish(),
  pauseNote: z.string().max(2000).nullish(),
  missedRunPolicy: z.enum(['skip', 'run_once', 'catch_up']).optional(),
  catchUpWindowSeconds: z.number().int().min(0).max(365 * 86_400).optional(),
  overlapPolicy: z.enum(['allow', 'skip', 'queue', 'replace']).optional(),
  dstGap: z.enum(['shift', 'skip']).optional(),
  dstOverlap: z.enum(['first', 'last', 'both']).optional(),
  exclusions: z.array(z.unknown()).max(100).optional(),
  pauseAfterFailures: z.number().int().min(1).max(10_000).nullish(),
  maxAttempts: z.number().int().min(1).max(100).nullish(),
  timeoutSeconds: seconds.nullish(),
  priority: z.number().int().min(-1000).max(1000).optional(),
  jitterSeconds: z.number().int().min(0).max(86_400).optional(),
});

export type ScheduleInput = z.input<typeof scheduleInputSchema>;

/** Options of a pause: a note for the people who see it, and when to resume by itself. */
export const pauseInputSchema = z.strictObject({
  note: z.string().max(2000).nullish(),
  until: instantSchema.nullish(),
});
type ParsedInput = z.output<typeof scheduleInputSchema>;

/** The field an issue concerns; a strict object reports unknown keys on itself, so name the first. */

/**
 * The field an issue concerns, named as on the wire (snake_case, like the hand-written checks),
 * so callers of the library and of the REST API see the same names. Paths inside a prefixed
 * value (a payload) and unknown keys keep the caller's own spelling.
 */
function issueField(issue: z.core.$ZodIssue, fieldPrefix: string): string {
  const path = issue.path.map((segment) => (fieldPrefix === '' ? snakeCase(String(segment)) : String(segment)));
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  return fieldPrefix + path.join('.');
}

/** Turns zod issues into one `validation_error` naming the first bad field. */
export function toValidationError(error: z.ZodError, fieldPrefix = ''): HourglassError {
  const field = issueField(error.issues[0]!, fieldPrefix);
  const message = error.issues
    .slice(0, 5)
    .map((item) => `${issueField(item, fieldPrefix) || '(body)'}: ${item.message}`)
    .join('; ');
  return new HourglassError(ErrorCode.validationError, message, { field: field || undefined });
}

export function parseWith<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw toValidationError(parsed.error);
  return parsed.data;
}

function inferExecutionMode(input: Partial<ParsedInput>): ExecutionMode {
  if (input.executionMode) return input.executionMode;
  if (input.jobType) return 'single_job';
  if (input.jobGroup) return 'group';
  if (input.jobTypes) return 'custom';
  throw new HourglassError(ErrorCode.validationError, 'job_type: expected a job type, a job group, a list of job types, or execution_mode all_jobs', { field: 'job_type' });
}

function inferScheduleType(input: Partial<ParsedInput>): ScheduleType {
  if (input.scheduleType) return input.scheduleType;
  if (input.cronExpression) return 'cron';
  if (input.intervalSeconds) return 'interval';
  if (input.runAt) return 'once';
  throw new HourglassError(ErrorCode.validationError, 'cron_expression: expected a cron expression, interval_seconds or run_at', { field: 'cron_expression' });
}

function requireField<T>(value: T | null | undefined, field: string, what: string): T {
  if (value === null || value === undefined) {
    throw new HourglassError(ErrorCode.validationError, `${field}: expected ${what}`, { field });
  }
  return value;
}

/**
 * Completes and checks a schedule definition (create, or an update merged over the current
 * row), returning the columns to write. Fields irrelevant to the chosen modes are cleared so a
 * row never carries a stale cron beside an interval.
 */
export function normalizeSchedule(input: Partial<ParsedInput>, registry: Registry): ScheduleColumns {
  const executionMode = inferExecutionMode(input);
  const scheduleType = inferScheduleType(input);
  const timezone = assertTimezone(input.timezone ?? 'UTC', 'timezone');
  const target = {
    executionMode,
    jobType: executionMode === 'single_job' ? requireField(input.jobType, 'job_type', 'a job type') : null,
    jobGroup: executionMode === 'group' ? requireField(input.jobGroup, 'job_group', 'a job group') : null,
    jobTypes: executionMode === 'custom' ? requireField(input.jobTypes, 'job_types', 'a list of job types') : null,
  };
  registry.resolveTarget(target);
  const timing = {
    scheduleType,
    cronExpression: scheduleType === 'cron' ? validateCron(input.cronExpression ?? '', 'cron_expression') : null,
    intervalSeconds: scheduleType === 'interval' ? requireField(input.intervalSeconds, 'interval_seconds', 'a number of seconds ≥ 1') : null,
    runAt: scheduleType === 'once' ? requireField(input.runAt, 'run_at', 'an ISO instant') : scheduleType === 'interval' ? (input.runAt ?? null) : null,
  };
  const status = input.isActive === undefined ? input.status : input.isActive ? 'active' : 'inactive';
  if (input.isActive !== undefined && input.status !== undefined && input.status !== status) {
    throw new HourglassError(ErrorCode.validationError, `is_active: contradicts status "${input.status}"`, { field: 'is_active' });
  }
  return {
    key: input.key ?? null,
    name: input.name,
    description: input.description ?? null,
    tenantId: input.tenantId ?? null,
    source: input.source,
    sourceRef: input.sourceRef ?? null,
    ...target,
    payload: input.payload ?? {},
    metadata: input.metadata ?? {},
    ...timing,
    timezone,
    status: status ?? 'active',
    pausedUntil: status === 'paused' ? (input.pausedUntil ?? null) : null,
    pauseNote: status === 'paused' ? (input.pauseNote ?? null) : null,
    missedRunPolicy: input.missedRunPolicy ?? 'skip',
    catchUpWindowSeconds: input.catchUpWindowSeconds ?? 86_400,
    overlapPolicy: input.overlapPolicy ?? 'skip',
    dstGap: input.dstGap ?? 'shift',
    dstOverlap: input.dstOverlap ?? 'first',
    exclusions: validateExclusions(input.exclusions ?? [], 'exclusions'),
    pauseAfterFailures: input.pauseAfterFailures ?? null,
    maxAttempts: input.maxAttempts ?? null,
    timeoutSeconds: input.timeoutSeconds ?? null,
    priority: input.priority ?? 0,
    jitterSeconds: input.jitterSeconds ?? 0,
  };
}

/** The writable fields of an existing row, as an input to merge an update onto. */
export function inputFromSchedule(row: ScheduledJob): Partial<ParsedInput> {
  return {
    key: row.key,
    name: row.name,
    description: row.description,
    tenantId: row.tenantId,
    source: row.source,
    sourceRef: row.sourceRef,
    executionMode: row.executionMode,
    jobType: row.jobType,
    jobGroup: row.jobGroup,
    jobTypes: row.jobTypes,
    payload: row.payload,
    metadata: row.metadata,
    scheduleType: row.scheduleType,
    cronExpression: row.cronExpression,
    timezone: row.timezone,
    intervalSeconds: row.intervalSeconds,
    runAt: row.runAt,
    status: row.status,
    pausedUntil: row.pausedUntil,
    pauseNote: row.pauseNote,
    missedRunPolicy: row.missedRunPolicy,
    catchUpWindowSeconds: row.catchUpWindowSeconds,
    overlapPolicy: row.overlapPolicy,
    dstGap: row.dstGap,
    dstOverlap: row.dstOverlap,
    exclusions: row.exclusions,
    pauseAfterFailures: row.pauseAfterFailures,
    maxAttempts: row.maxAttempts,
    timeoutSeconds: row.timeoutSeconds,
    priority: row.priority,
    jitterSeconds: row.jitterSeconds,
  };
}
