/**
 * The schedule form, new or existing: every field of a schedule, the live timing check with
 * the next runs, and the submit (create, or change at the version it was read at).
 *
 * - Read-only (fields shown, nothing to submit) for non-admins and for code-defined schedules,
 *   whose definition the code owns: only their status changes, through the actions.
 * - Errors: client checks (JSON, numbers) and the live timing check show under their field as
 *   you type; a server refusal naming a field shows under that field until it is edited; any
 *   other refusal shows at the top. A 409 offers to load the current version.
 * - A newer version of the schedule (a live reload) replaces the form only while it is
 *   untouched, so nobody's typing is overwritten.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { JobTypesWire, ScheduledJobWire } from '../../../src/api/wire.js';
import { api, type ApiError } from '../api/client.js';
import { viewerZone } from '../format.js';
import { toApiError, useResource } from '../hooks.js';
import { useCan, useMe } from '../me.js';
import { buildScheduleBody, checkDraft, createEmptyDraft, draftFromSchedule, fieldOfServerError, type DraftField, type FieldErrors, type ScheduleDraft } from './schedule-draft.js';
import { ChoiceField, describe, Field, PolicyFields, TargetFields, TextField, type FormBinding } from './schedule-fields.js';
import { NextRuns, useTimingCheck } from './schedule-timing.js';

const ZONES: string[] = typeof Intl.supportedValuesOf === 'function' ? ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')] : ['UTC'];

interface TopError {
  message: string;
  conflict: boolean;
}

export function ScheduleEditor({ schedule, onSaved }: { schedule: ScheduledJobWire | null; onSaved: (saved: ScheduledJobWire) => void }) {
  const canAdmin = useCan('admin');
  const me = useMe();
  const registry = useResource<JobTypesWire>('/job-types');
  const [base, setBase] = useState(schedule);
  const [draft, setDraft] = useState<ScheduleDraft>(() => (schedule ? draftFromSchedule(schedule) : createEmptyDraft()));
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const [topError, setTopError] = useState<TopError | null>(null);
  const [busy, setBusy] = useState(false);
  const timing = useTimingCheck(draft);
  const codeDefined = schedule?.source === 'code';
  const readOnly = !canAdmin || codeDefined;
  const showTenant = me.tenant_id === null;
  const dirty = JSON.stringify(draft) !== JSON.stringify(base ? draftFromSchedule(base) : createEmptyDraft());

  useEffect(() => {
    if (!schedule || !base || schedule.version <= base.version || dirty) return;
    setBase(schedule);
    setDraft(draftFromSchedule(schedule));
  }, [schedule, base, dirty]);

  const clientErrors = checkDraft(draft);
  const form: FormBinding = {
    draft,
    set: (field, value) => {
      setDraft((previous) => ({ ...previous, [field]: value }));
      setServerErrors((previous) => (previous[field] ? { ...previous, [field]: undefined } : previous));
    },
    errorOf: (field) => serverErrors[field] ?? timing.errors[field] ?? clientErrors[field],
  };

  const shownFields = new Set<DraftField>(Object.keys(draft) as DraftField[]);
  if (!showTenant) shownFields.delete('tenant_id');

  const showRefusal = (error: ApiError) => {
    // 400s name the bad field; a 409 names `key` (taken) or `version` (changed meanwhile).
    const field = error.status === 400 || error.status === 409 ? fieldOfServerError(error.field, shownFields) : null;
    if (field) {
      setServerErrors({ [field]: error.message });
      requestAnimationFrame(() => document.getElementById(field)?.focus());
    } else if (error.status === 409 && error.field === 'version' && base) {
      setTopError({ message: 'Someone else changed this schedule since you opened it. Load their version to see it (your edits here are discarded), then change it again.', conflict: true });
    } else {
      setTopError({ message: error.message, conflict: false });
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTopError(null);
    const firstProblem = (Object.keys(clientErrors) as DraftField[])[0];
    if (firstProblem) {
      document.getElementById(firstProblem)?.focus();
      return;
    }
    setBusy(true);
    try {
      const body = buildScheduleBody(draft, { includeTenant: showTenant });
      const saved = base
        ? await api.put<ScheduledJobWire>(`/scheduled-jobs/${encodeURIComponent(base.id)}`, { ...body, version: base.version })
        : await api.post<ScheduledJobWire>('/scheduled-jobs', body);
      setServerErrors({});
      setBase(saved);
      setDraft(draftFromSchedule(saved));
      onSaved(saved);
    } catch (error) {
      showRefusal(toApiError(error));
    } finally {
      setBusy(false);
    }
  };

  const loadCurrent = async () => {
    if (!base) return;
    try {
      const current = await api.get<ScheduledJobWire>(`/scheduled-jobs/${encodeURIComponent(base.id)}`);
      setBase(current);
      setDraft(draftFromSchedule(current));
      setServerErrors({});
      setTopError(null);
    } catch (error) {
      setTopError({ message: toApiError(error).message, conflict: false });
    }
  };

  const { schedule_type: timingMode } = draft;
  return (
    <form className="schedule-form" onSubmit={(event) => void submit(event)} noValidate aria-label={base ? `Edit ${base.name}` : 'New schedule'}>
      {codeDefined ? <p className="note">Defined in code: only its status can change here.</p> : null}
      {!codeDefined && !canAdmin ? <p className="note">Only admins can change a schedule; you see its definition.</p> : null}
      {topError ? (
        <div className="form-error" role="alert">
          <p>{topError.message}</p>
          {topError.conflict ? (
            <button type="button" onClick={() => void loadCurrent()}>
              Load the current version
            </button>
          ) : null}
        </div>
      ) : null}
      <fieldset className="plain" disabled={readOnly}>
        <div className="card form-section">
          <div className="form-grid">
            <TextField form={form} field="name" label="Name" required autoComplete="off" />
            <TextField form={form} field="key" label="Key (optional)" hint="A stable name for the API and imports: letters, digits, _ . : -" autoComplete="off" />
            {showTenant ? <TextField form={form} field="tenant_id" label="Tenant" hint="Empty: a system schedule (no tenant)." autoComplete="off" /> : null}
            <ChoiceField
              form={form}
              field="status"
              label="Status"
              choices={[
                { value: 'active', label: 'Active', hint: 'Fires on its slots.' },
                { value: 'paused', label: 'Paused', hint: 'Does not fire until resumed; missed slots follow the missed-runs policy.' },
                { value: 'inactive', label: 'Inactive', hint: 'Does not fire; enabling it starts from the next slot.' },
              ]}
            />
          </div>
          <Field form={form} field="description" label="Description">
            <textarea {...describe(form, 'description')} className="plain-text" rows={2} value={draft.description} onChange={(event) => form.set('description', event.target.value)} />
          </Field>
        </div>

        <div className="card form-section">
          <div className="form-grid">
            <TargetFields form={form} registry={registry.data} />
          </div>
          <Field form={form} field="payload" label="Payload (JSON)" hint="Passed to every run of this schedule (a JSON object).">
            <textarea {...describe(form, 'payload', true)} rows={4} spellCheck={false} value={draft.payload} onChange={(event) => form.set('payload', event.target.value)} />
          </Field>
          <Field form={form} field="metadata" label="Metadata (JSON)" hint="Your notes on the schedule (owner, ticket…); handlers do not see it.">
            <textarea {...describe(form, 'metadata', true)} rows={2} spellCheck={false} value={draft.metadata} onChange={(event) => form.set('metadata', event.target.value)} />
          </Field>
        </div>

        <div className="card form-section timing-section">
          <div className="timing-fields">
            <ChoiceField
              form={form}
              field="schedule_type"
              label="Timing"
              choices={[
                { value: 'cron', label: 'Cron', hint: 'On the slots of a cron expression, in the time zone.' },
                { value: 'interval', label: 'Interval', hint: 'Every N seconds.' },
                { value: 'once', label: 'Once', hint: 'A single run at one instant; then inactive.' },
              ]}
            />
            {timingMode === 'cron' ? (
              <TextField form={form} field="cron_expression" label="Cron expression" placeholder="0 2 * * *" hint={timing.errors.cron_expression ? undefined : (timing.description ?? 'minute hour day-of-month month day-of-week (or 6 fields, seconds first)')} autoComplete="off" />
            ) : null}
            <TextField form={form} field="timezone" label="Time zone" list="schedule-zones" autoComplete="off" hint={timingMode === 'cron' ? 'The zone the cron is read in (IANA name).' : 'The zone the schedule is shown in (IANA name).'} />
            <datalist id="schedule-zones">
              {ZONES.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
            {timingMode === 'interval' ? <TextField form={form} field="interval_seconds" label="Every (seconds)" type="number" min={1} /> : null}
            {timingMode !== 'cron' ? (
              <TextField
                form={form}
                field="run_at"
                label="Run at"
                type="datetime-local"
                hint={`In your time zone (${viewerZone}), not the schedule's.${timingMode === 'interval' ? ' Optional: the first slot; later slots keep its phase.' : ''}`}
              />
            ) : null}
          </div>
          <NextRuns check={timing} zone={draft.timezone} />
          <Field
            form={form}
            field="exclusions"
            label="Blackout windows (JSON)"
            hint='Slots inside one are suppressed (counted, not run): [{"cron": "* 0-6 * * SAT,SUN"}, {"from": "2026-12-24", "until": "2026-12-26", "reason": "holidays"}]. Plain dates are whole days in the time zone.'
          >
            <textarea {...describe(form, 'exclusions', true)} rows={3} spellCheck={false} value={draft.exclusions} onChange={(event) => form.set('exclusions', event.target.value)} />
          </Field>
        </div>

        <PolicyFields form={form} />
      </fieldset>
      {readOnly ? null : (
        <div className="actions form-actions">
          <button type="submit" className="primary" disabled={busy}>
            {base ? 'Save changes' : 'Create schedule'}
          </button>
          {base && dirty ? (
            <button type="button" onClick={() => { setDraft(draftFromSchedule(base)); setServerErrors({}); setTopError(null); }}>
              Discard changes
            </button>
          ) : null}
        </div>
      )}
    </form>
  );
}
