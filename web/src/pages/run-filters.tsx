/**
 * The Runs page's filters. They live in the address (`#/runs?status=failed&job_type=x`), so a
 * filtered view can be bookmarked, shared and linked to from other pages. The schedule filter
 * takes an id (or a schedule's key or name, resolved against the schedules the token can see);
 * From and To are entered in the viewer's zone and travel as ISO instants.
 */
import type { ScheduledJobWire } from '../../../src/api/wire.js';
import { viewerZone } from '../format.js';

export const RUN_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'skipped'] as const;
export const RUN_TRIGGERS = ['cron', 'manual', 'api', 'retry', 'catch_up', 'backfill', 'event'] as const;

export interface RunFilterValues {
  status: string;
  jobType: string;
  /** What was typed: a schedule id, key or name. */
  schedule: string;
  tenant: string;
  trigger: string;
  /** ISO instants. */
  since: string;
  until: string;
}

/** Reads the filters from the address; `scheduled_job_id` and `tenant_id` are accepted as aliases. */
export function readRunFilters(query: URLSearchParams): RunFilterValues {
  const get = (...keys: string[]) => keys.map((key) => query.get(key)).find((value) => value) ?? '';
  return {
    status: get('status'),
    jobType: get('job_type'),
    schedule: get('schedule', 'scheduled_job_id'),
    tenant: get('tenant', 'tenant_id'),
    trigger: get('trigger'),
    since: get('since'),
    until: get('until'),
  };
}

/** The address query for `values` (empty values left out). */
export function toRouteQuery(values: RunFilterValues): Record<string, string | undefined> {
  return { status: values.status, job_type: values.jobType, schedule: values.schedule, tenant: values.tenant, trigger: values.trigger, since: values.since, until: values.until };
}

export function hasRunFilters(values: RunFilterValues): boolean {
  return Object.values(values).some(Boolean);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The schedule id for what was typed: a uuid as it is, else the visible schedule whose key or
 * name matches (ignoring case). `undefined` while the schedules are loading, `null` when none matches.
 */
export function resolveScheduleId(text: string, schedules: readonly ScheduledJobWire[] | undefined): string | null | undefined {
  const value = text.trim();
  if (!value || UUID.test(value)) return value;
  if (!schedules) return undefined;
  const lower = value.toLowerCase();
  return schedules.find((schedule) => schedule.key?.toLowerCase() === lower || schedule.name.toLowerCase() === lower)?.id ?? null;
}

/** `2026-03-08T14:30` in the viewer's zone, for a datetime-local input. */
function toLocalInput(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

function fromLocalInput(value: string): string {
  const at = new Date(value);
  return value && !Number.isNaN(at.getTime()) ? at.toISOString() : '';
}

export function RunFilters({
  values,
  onChange,
  jobTypes,
  schedules,
  scheduleError,
}: {
  values: RunFilterValues;
  onChange: (patch: Partial<RunFilterValues>) => void;
  jobTypes: readonly string[];
  schedules: readonly ScheduledJobWire[] | undefined;
  /** Shown with the results (`#runs-schedule-error`), which this filter empties. */
  scheduleError: string | null;
}) {
  const jobTypeOptions = values.jobType && !jobTypes.includes(values.jobType) ? [values.jobType, ...jobTypes] : jobTypes;
  return (
    <form className="filters run-filters" role="search" aria-label="Filter runs" onSubmit={(event) => event.preventDefault()}>
      <div>
        <label htmlFor="runs-status">Status</label>
        <select id="runs-status" value={values.status} onChange={(event) => onChange({ status: event.target.value })}>
          <option value="">All</option>
          {RUN_STATUSES.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="runs-job-type">Job type</label>
        <select id="runs-job-type" value={values.jobType} onChange={(event) => onChange({ jobType: event.target.value })}>
          <option value="">All</option>
          {jobTypeOptions.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="runs-schedule">Schedule</label>
        <input
          id="runs-schedule"
          list="runs-schedule-options"
          value={values.schedule}
          placeholder="id or name"
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => onChange({ schedule: event.target.value })}
          aria-invalid={scheduleError ? true : undefined}
          aria-describedby={scheduleError ? 'runs-schedule-error' : undefined}
        />
        <datalist id="runs-schedule-options">
          {(schedules ?? []).map((schedule) => (
            <option key={schedule.id} value={schedule.id} label={schedule.name} />
          ))}
        </datalist>
      </div>
      <div>
        <label htmlFor="runs-tenant">Tenant</label>
        <input id="runs-tenant" value={values.tenant} autoComplete="off" spellCheck={false} onChange={(event) => onChange({ tenant: event.target.value })} />
      </div>
      <div>
        <label htmlFor="runs-trigger">Trigger</label>
        <select id="runs-trigger" value={values.trigger} onChange={(event) => onChange({ trigger: event.target.value })}>
          <option value="">All</option>
          {RUN_TRIGGERS.map((trigger) => (
            <option key={trigger} value={trigger}>
              {trigger.replace('_', ' ')}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="runs-since">From</label>
        <input id="runs-since" type="datetime-local" value={toLocalInput(values.since)} title={`In your time zone (${viewerZone})`} onChange={(event) => onChange({ since: fromLocalInput(event.target.value) })} />
      </div>
      <div>
        <label htmlFor="runs-until">To</label>
        <input id="runs-until" type="datetime-local" value={toLocalInput(values.until)} title={`In your time zone (${viewerZone})`} onChange={(event) => onChange({ until: fromLocalInput(event.target.value) })} />
      </div>
      {hasRunFilters(values) ? (
        <div className="run-filters-clear">
          <button type="button" onClick={() => onChange({ status: '', jobType: '', schedule: '', tenant: '', trigger: '', since: '', until: '' })}>
            Clear filters
          </button>
        </div>
      ) : null}
    </form>
  );
}
