/**
 * The schedule form's state: every field as the text its input holds, keyed by the wire name
 * of the field (so a server error's `field` names the input it belongs to), and the mapping to
 * and from the API's schedule. Range checks stay with the server, which says what it expects;
 * only what cannot be sent at all (bad JSON, a non-number) is refused here.
 */
import type { ScheduledJobWire } from '../../../src/api/wire.js';

export interface ScheduleDraft {
  name: string;
  key: string;
  description: string;
  tenant_id: string;
  execution_mode: ScheduledJobWire['execution_mode'];
  job_type: string;
  job_group: string;
  job_types: string[];
  schedule_type: ScheduledJobWire['schedule_type'];
  cron_expression: string;
  timezone: string;
  interval_seconds: string;
  /** A `datetime-local` value in the viewer's zone. */
  run_at: string;
  payload: string;
  /** Caller's notes, never handed to handlers. */
  metadata: string;
  /** Blackout windows, a JSON array (docs/time-semantics.md). */
  exclusions: string;
  status: ScheduledJobWire['status'];
  missed_run_policy: ScheduledJobWire['missed_run_policy'];
  catch_up_window_seconds: string;
  overlap_policy: ScheduledJobWire['overlap_policy'];
  dst_gap: ScheduledJobWire['dst_gap'];
  dst_overlap: ScheduledJobWire['dst_overlap'];
  max_attempts: string;
  timeout_seconds: string;
  priority: string;
  jitter_seconds: string;
  pause_after_failures: string;
}

export type DraftField = keyof ScheduleDraft;
export type FieldErrors = Partial<Record<DraftField, string>>;

export function createEmptyDraft(): ScheduleDraft {
  return {
    name: '',
    key: '',
    description: '',
    tenant_id: '',
    execution_mode: 'single_job',
    job_type: '',
    job_group: '',
    job_types: [],
    schedule_type: 'cron',
    cron_expression: '',
    timezone: 'UTC',
    interval_seconds: '',
    run_at: '',
    payload: '{}',
    metadata: '{}',
    exclusions: '[]',
    status: 'active',
    missed_run_policy: 'skip',
    catch_up_window_seconds: '86400',
    overlap_policy: 'skip',
    dst_gap: 'shift',
    dst_overlap: 'first',
    max_attempts: '',
    timeout_seconds: '',
    priority: '0',
    jitter_seconds: '0',
    pause_after_failures: '',
  };
}

const text = (value: string | number | null | undefined) => (value === null || value === undefined ? '' : String(value));

/** An instant as a `datetime-local` value on the viewer's wall clock (minutes). */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function draftFromSchedule(schedule: ScheduledJobWire): ScheduleDraft {
  return {
    name: schedule.name,
    key: text(schedule.key),
    description: text(schedule.description),
    tenant_id: text(schedule.tenant_id),
    execution_mode: schedule.execution_mode,
    job_type: text(schedule.job_type),
    job_group: text(schedule.job_group),
    job_types: schedule.job_types ?? [],
    schedule_type: schedule.schedule_type,
    cron_expression: text(schedule.cron_expression),
    timezone: schedule.timezone,
    interval_seconds: text(schedule.interval_seconds),
    run_at: toLocalInput(schedule.run_at),
    payload: JSON.stringify(schedule.payload, null, 2),
    metadata: JSON.stringify(schedule.metadata, null, 2),
    exclusions: JSON.stringify(schedule.exclusions ?? [], null, 2),
    status: schedule.status,
    missed_run_policy: schedule.missed_run_policy,
    catch_up_window_seconds: text(schedule.catch_up_window_seconds),
    overlap_policy: schedule.overlap_policy,
    dst_gap: schedule.dst_gap,
    dst_overlap: schedule.dst_overlap,
    max_attempts: text(schedule.max_attempts),
    timeout_seconds: text(schedule.timeout_seconds),
    priority: text(schedule.priority),
    jitter_seconds: text(schedule.jitter_seconds),
    pause_after_failures: text(schedule.pause_after_failures),
  };
}

/** JSON text as an object (or, with `array`, an array), or the reason it is not one. */
export function parseJsonField(source: string, array = false): { value: unknown } | { error: string } {
  if (source.trim() === '') return { value: array ? [] : {} };
  try {
    const value: unknown = JSON.parse(source);
    if (array && !Array.isArray(value)) return { error: 'Expected a JSON array, e.g. [{"cron": "* 0-6 * * SAT,SUN"}]' };
    if (!array && (value === null || typeof value !== 'object' || Array.isArray(value))) return { error: 'Expected a JSON object, e.g. {"limit": 100}' };
    return { value };
  } catch (error) {
    return { error: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

const JSON_FIELDS = [
  ['payload', false],
  ['metadata', false],
  ['exclusions', true],
] as const;

const NUMBER_FIELDS = ['interval_seconds', 'catch_up_window_seconds', 'max_attempts', 'timeout_seconds', 'priority', 'jitter_seconds', 'pause_after_failures'] as const;

/** What the form can tell before asking the server: JSON and whole numbers. */
export function checkDraft(draft: ScheduleDraft): FieldErrors {
  const errors: FieldErrors = {};
  for (const [field, array] of JSON_FIELDS) {
    const parsed = parseJsonField(draft[field], array);
    if ('error' in parsed) errors[field] = parsed.error;
  }
  for (const field of NUMBER_FIELDS) {
    if (draft[field].trim() !== '' && !/^-?\d+$/.test(draft[field].trim())) errors[field] = 'Expected a whole number';
  }
  return errors;
}

const integer = (value: string) => (value.trim() === '' ? null : Number(value.trim()));

/**
 * The body of a create or change: every field, with those of the other target and timing
 * modes cleared (as the server does). Empty optional numbers are null (no limit); empty
 * numbers that have a default are left out. `tenant_id` only when the form shows it.
 */
export function buildScheduleBody(draft: ScheduleDraft, { includeTenant }: { includeTenant: boolean }): Record<string, unknown> {
  const mode = draft.execution_mode;
  const timing = draft.schedule_type;
  const json = (field: (typeof JSON_FIELDS)[number][0], array = false) => {
    const parsed = parseJsonField(draft[field], array);
    return 'value' in parsed ? parsed.value : array ? [] : {};
  };
  const body: Record<string, unknown> = {
    name: draft.name,
    key: draft.key.trim() || null,
    description: draft.description.trim() || null,
    execution_mode: mode,
    job_type: mode === 'single_job' ? draft.job_type || null : null,
    job_group: mode === 'group' ? draft.job_group || null : null,
    job_types: mode === 'custom' && draft.job_types.length > 0 ? draft.job_types : null,
    schedule_type: timing,
    cron_expression: timing === 'cron' ? draft.cron_expression : null,
    timezone: draft.timezone.trim(),
    interval_seconds: timing === 'interval' ? integer(draft.interval_seconds) : null,
    run_at: timing !== 'cron' && draft.run_at ? new Date(draft.run_at).toISOString() : null,
    payload: json('payload'),
    metadata: json('metadata'),
    exclusions: json('exclusions', true),
    status: draft.status,
    missed_run_policy: draft.missed_run_policy,
    overlap_policy: draft.overlap_policy,
    dst_gap: draft.dst_gap,
    dst_overlap: draft.dst_overlap,
    max_attempts: integer(draft.max_attempts),
    timeout_seconds: integer(draft.timeout_seconds),
    pause_after_failures: integer(draft.pause_after_failures),
  };
  for (const field of ['catch_up_window_seconds', 'priority', 'jitter_seconds'] as const) {
    const value = integer(draft[field]);
    if (value !== null) body[field] = value;
  }
  if (includeTenant) body.tenant_id = draft.tenant_id.trim() || null;
  return body;
}

/** The input a server error's `field` belongs to (`payload.limit` → payload), or null. */
export function fieldOfServerError(field: string | undefined, shown: ReadonlySet<DraftField>): DraftField | null {
  if (!field) return null;
  const head = field.split(/[.[]/)[0]!;
  const aliases: Record<string, DraftField> = { is_active: 'status', paused_until: 'status', pause_note: 'status', schedule_type: 'schedule_type', execution_mode: 'execution_mode' };
  const name = (aliases[head] ?? head) as DraftField;
  return shown.has(name) ? name : null;
}
