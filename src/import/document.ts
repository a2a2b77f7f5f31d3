/**
 * The export document: every schedule's definition as JSON that `hourglass import json FILE`
 * reads back (pure: no I/O, no clock; the caller passes `exportedAt`).
 *
 * ```json
 * { "hourglass_export": 1, "exported_at": "2026-07-01T08:30:00.000Z",
 *   "schedules": [{ "id": "…", "key": null, "name": "Nightly sync", "source": "api", … }] }
 * ```
 *
 * Each schedule is its definition in the REST API's spelling (snake_case, ISO instants): `id`
 * and exactly the fields a create accepts (`DEFINITION_FIELDS`), status and pause included.
 * Runtime state is deliberately left out: counters, `next_run_at`, last run, who changed it
 * when, `version`. An export is a definition to restore or move, not a snapshot of history;
 * imported into a fresh database the schedules start their counters at zero and compute
 * their next slot from the time of the import.
 *
 * `planFromDocument` checks the document's version and shape (an error names the path, e.g.
 * `schedules[3].cron_expression`) and makes one candidate per schedule with `id` set, so an
 * import into the database it came from matches by id, and `input.source` / `input.sourceRef`
 * as in the document (a code-defined schedule stays `code`). Whether a schedule is valid
 * against the registry (job types, cron, zone) is for the import to decide, row by row.
 */
import { z } from 'zod';
import { ErrorCode, HourglassError } from '../errors.js';
import type { ScheduledJob } from '../model.js';
import { scheduleInputSchema, type ScheduleInput } from '../services/schedule-input.js';
import { camelCase, snakeCase } from '../util/case.js';
import type { Wire } from '../api/wire.js';
import type { ImportCandidate, ImportPlan } from './plan.js';

export const EXPORT_VERSION = 1;

/** The fields of a schedule that define it: exactly what a create takes (no runtime state). */
export const DEFINITION_FIELDS = [
  'key',
  'name',
  'description',
  'tenantId',
  'source',
  'sourceRef',
  'executionMode',
  'jobType',
  'jobGroup',
  'jobTypes',
  'payload',
  'metadata',
  'scheduleType',
  'cronExpression',
  'timezone',
  'intervalSeconds',
  'runAt',
  'status',
  'pausedUntil',
  'pauseNote',
  'missedRunPolicy',
  'catchUpWindowSeconds',
  'overlapPolicy',
  'dstGap',
  'dstOverlap',
  'exclusions',
  'pauseAfterFailures',
  'maxAttempts',
  'timeoutSeconds',
  'priority',
  'jitterSeconds',
] as const satisfies readonly (keyof ScheduledJob & keyof ScheduleInput)[];

type DefinitionField = (typeof DEFINITION_FIELDS)[number];
export type ExportedSchedule = Wire<Pick<ScheduledJob, 'id' | DefinitionField>>;

export interface ExportDocument {
  hourglass_export: typeof EXPORT_VERSION;
  /** ISO instant. */
  exported_at: string;
  schedules: ExportedSchedule[];
}

export function exportSchedule(schedule: ScheduledJob): ExportedSchedule {
  const entry: Record<string, unknown> = { id: schedule.id };
  for (const field of DEFINITION_FIELDS) {
    const value = schedule[field];
    entry[snakeCase(field)] = value instanceof Date ? value.toISOString() : value;
  }
  return entry as ExportedSchedule;
}

/** The document of `schedules`, in the order given. */
export function exportDocument(schedules: readonly ScheduledJob[], meta: { exportedAt: Date }): ExportDocument {
  return { hourglass_export: EXPORT_VERSION, exported_at: meta.exportedAt.toISOString(), schedules: schedules.map(exportSchedule) };
}

const definitionShape = scheduleInputSchema.pick(Object.fromEntries(DEFINITION_FIELDS.map((field) => [field, true])) as Record<DefinitionField, true>).shape;
/** One schedule as the document spells it: snake_case keys, all definition fields optional but `name`. */
const exportedScheduleSchema = z.strictObject({
  id: z.uuid(),
  ...Object.fromEntries(Object.entries(definitionShape).map(([field, schema]) => [snakeCase(field), schema])),
});
const documentSchema = z.strictObject({
  hourglass_export: z.literal(EXPORT_VERSION, { error: `expected ${EXPORT_VERSION}: an export document of this version of Hourglass` }),
  exported_at: z.iso.datetime({ offset: true }),
  schedules: z.array(exportedScheduleSchema),
});

/** `schedules[3].cron_expression`: the path of an issue as it appears in the file. */
function issuePath(issue: z.core.$ZodIssue): string {
  const path = [...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  return path.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${String(segment)}` : String(segment)), '');
}

function invalidDocument(file: string, message: string, field?: string): HourglassError {
  return new HourglassError(ErrorCode.validationError, `${file}: not a valid Hourglass export document: ${message}`, { field });
}

function assertUnique(file: string, entries: readonly Record<string, unknown>[], key: 'id' | 'key'): void {
  const seen = new Map<unknown, number>();
  entries.forEach((entry, index) => {
    const value = entry[key];
    if (value === null || value === undefined) return;
    const first = seen.get(value);
    if (first !== undefined) throw invalidDocument(file, `schedules[${index}].${key}: "${String(value)}" already used by schedules[${first}]`, `schedules[${index}].${key}`);
    seen.set(value, index);
  });
}

/** The candidate of one checked entry: its id, and its fields as a camelCase `ScheduleInput`. */
function candidateOf(entry: Record<string, unknown>): ImportCandidate {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) if (key !== 'id' && value !== undefined) input[camelCase(key)] = value;
  const id = entry.id as string;
  const sourceRef = (entry.source_ref as string | null | undefined) ?? `schedule:${id}`;
  return { id, sourceRef, label: `${String(entry.name)} (${id})`, input: input as ScheduleInput };
}

/**
 * Checks an export document (parsed JSON) and plans its import; a bad document throws a
 * `validation_error` naming `file` and the path of the first problem.
 */
export function planFromDocument(json: unknown, file: string): ImportPlan {
  if (json === null || typeof json !== 'object' || Array.isArray(json) || !('hourglass_export' in json)) {
    throw invalidDocument(file, 'expected an object with "hourglass_export", "exported_at" and "schedules" (written by `hourglass export`)');
  }
  const parsed = documentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issuePath(issue);
    throw invalidDocument(file, `${path || '(document)'}: ${issue.message}`, path || undefined);
  }
  // Instants stay as written (ISO strings): the schedule input takes them as they are.
  const entries = (json as unknown as { schedules: Record<string, unknown>[] }).schedules;
  assertUnique(file, entries, 'id');
  assertUnique(file, entries, 'key');
  return { source: `document ${file}`, rowsRead: entries.length, candidates: entries.map(candidateOf), rejected: [] };
}
