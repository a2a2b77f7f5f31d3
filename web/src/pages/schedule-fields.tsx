/**
 * The pieces of the schedule form: a labelled field with its error (right under the input,
 * `role="alert"`, id `<field>-error`) and hint, the target fields, and the policies, each
 * explained in one line. Ids are the wire names of the fields, so a server error's `field`
 * finds its input.
 */
import type { ReactNode } from 'react';
import type { JobTypesWire } from '../../../src/api/wire.js';
import type { DraftField, ScheduleDraft } from './schedule-draft.js';

export interface FormBinding {
  draft: ScheduleDraft;
  set: <K extends DraftField>(field: K, value: ScheduleDraft[K]) => void;
  errorOf: (field: DraftField) => string | undefined;
}

/** `id`, `aria-invalid` and `aria-describedby` for the input of `field`. */
export function describe(form: FormBinding, field: DraftField, hasHint = false) {
  const error = form.errorOf(field);
  const describedBy = [error ? `${field}-error` : null, hasHint ? `${field}-hint` : null].filter(Boolean).join(' ');
  return { id: field, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy || undefined };
}

export function Field({ form, field, label, hint, children }: { form: FormBinding; field: DraftField; label: string; hint?: ReactNode; children: ReactNode }) {
  const error = form.errorOf(field);
  return (
    <div className={`field field-${field}`}>
      <label htmlFor={field}>{label}</label>
      {children}
      {error ? (
        <p className="field-error" role="alert" id={`${field}-error`}>
          {error}
        </p>
      ) : null}
      {hint ? (
        <p className="hint" id={`${field}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A text or number input bound to a draft field. */
export function TextField({ form, field, label, hint, type = 'text', ...rest }: { form: FormBinding; field: Exclude<DraftField, 'job_types'>; label: string; hint?: ReactNode; type?: string; placeholder?: string; min?: number; max?: number; list?: string; required?: boolean; autoComplete?: string }) {
  return (
    <Field form={form} field={field} label={label} hint={hint}>
      <input {...describe(form, field, Boolean(hint))} type={type} value={form.draft[field] as string} onChange={(event) => form.set(field, event.target.value as never)} {...rest} />
    </Field>
  );
}

/** A select whose hint explains the chosen option in one line. */
export function ChoiceField<K extends DraftField>({ form, field, label, choices }: { form: FormBinding; field: K; label: string; choices: Array<{ value: ScheduleDraft[K] & string; label: string; hint?: string }> }) {
  const chosen = choices.find((choice) => choice.value === form.draft[field]);
  return (
    <Field form={form} field={field} label={label} hint={chosen?.hint}>
      <select {...describe(form, field, Boolean(chosen?.hint))} value={form.draft[field] as string} onChange={(event) => form.set(field, event.target.value as ScheduleDraft[K])}>
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

export function TargetFields({ form, registry }: { form: FormBinding; registry: JobTypesWire | undefined }) {
  const { draft } = form;
  const types = registry?.items.map((item) => item.name) ?? [];
  const groups = registry?.groups ?? [];
  const withCurrent = (list: string[], current: string) => (current && !list.includes(current) ? [current, ...list] : list);
  return (
    <>
      <ChoiceField
        form={form}
        field="execution_mode"
        label="Target"
        choices={[
          { value: 'single_job', label: 'One job type', hint: 'Each slot makes one run of the job type.' },
          { value: 'group', label: 'A job group', hint: 'Each slot runs every job type of the group as one batch, in dependency order.' },
          { value: 'all_jobs', label: 'All jobs', hint: 'Each slot runs every registered job type as one batch, in dependency order.' },
          { value: 'custom', label: 'A list of job types', hint: 'Each slot runs the chosen job types as one batch, in dependency order.' },
        ]}
      />
      {draft.execution_mode === 'single_job' ? (
        <Field form={form} field="job_type" label="Job type">
          <select {...describe(form, 'job_type')} value={draft.job_type} onChange={(event) => form.set('job_type', event.target.value)}>
            <option value="">Choose a job type…</option>
            {withCurrent(types, draft.job_type).map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </Field>
      ) : null}
      {draft.execution_mode === 'group' ? (
        <Field form={form} field="job_group" label="Job group">
          <select {...describe(form, 'job_group')} value={draft.job_group} onChange={(event) => form.set('job_group', event.target.value)}>
            <option value="">Choose a group…</option>
            {withCurrent(groups, draft.job_group).map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </Field>
      ) : null}
      {draft.execution_mode === 'custom' ? <JobTypeChecklist form={form} types={types} /> : null}
    </>
  );
}

function JobTypeChecklist({ form, types }: { form: FormBinding; types: string[] }) {
  const chosen = form.draft.job_types;
  const error = form.errorOf('job_types');
  const all = [...new Set([...chosen, ...types])];
  const toggle = (name: string, on: boolean) => form.set('job_types', on ? [...chosen, name] : chosen.filter((item) => item !== name));
  return (
    <fieldset className="job-types-field" id="job_types" aria-invalid={error ? true : undefined} aria-describedby={error ? 'job_types-error' : undefined}>
      <legend>Job types</legend>
      <div className="checklist">
        {all.map((name) => (
          <label key={name} className="check">
            <input type="checkbox" checked={chosen.includes(name)} onChange={(event) => toggle(name, event.target.checked)} /> {name}
          </label>
        ))}
      </div>
      {error ? (
        <p className="field-error" role="alert" id="job_types-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

export function PolicyFields({ form }: { form: FormBinding }) {
  return (
    <fieldset className="policies">
      <legend>Policies</legend>
      <div className="form-grid">
        <ChoiceField
          form={form}
          field="missed_run_policy"
          label="Missed runs"
          choices={[
            { value: 'skip', label: 'Skip', hint: 'skip: drop slots missed while the scheduler was down or the schedule paused; continue from now.' },
            { value: 'run_once', label: 'Run once', hint: 'run_once: one run for all missed slots (the latest), if within the catch-up window.' },
            { value: 'catch_up', label: 'Catch up', hint: 'catch_up: a run for every missed slot within the catch-up window, oldest first.' },
          ]}
        />
        <TextField form={form} field="catch_up_window_seconds" label="Catch-up window (seconds)" type="number" min={0} hint="How far back missed slots still run (run_once and catch_up)." />
        <ChoiceField
          form={form}
          field="overlap_policy"
          label="Overlap"
          choices={[
            { value: 'skip', label: 'Skip', hint: 'skip: while a run is pending or running, a new slot is recorded as skipped.' },
            { value: 'allow', label: 'Allow', hint: 'allow: a new slot runs even while the previous run is still going.' },
            { value: 'queue', label: 'Queue', hint: 'queue: a new slot waits for the running one (at most one waiting run).' },
            { value: 'replace', label: 'Replace', hint: 'replace: a new slot cancels the running run and takes its place.' },
          ]}
        />
        <ChoiceField
          form={form}
          field="dst_gap"
          label="DST gap"
          choices={[
            { value: 'shift', label: 'Shift', hint: 'shift: a time skipped by a spring-forward jump runs at the first instant after it.' },
            { value: 'skip', label: 'Skip', hint: 'skip: a time skipped by a spring-forward jump does not run that day.' },
          ]}
        />
        <ChoiceField
          form={form}
          field="dst_overlap"
          label="DST overlap"
          choices={[
            { value: 'first', label: 'First', hint: 'first: a time repeated by a fall-back runs at its first occurrence.' },
            { value: 'last', label: 'Last', hint: 'last: a time repeated by a fall-back runs at its second occurrence.' },
            { value: 'both', label: 'Both', hint: 'both: a time repeated by a fall-back runs at both occurrences.' },
          ]}
        />
        <TextField form={form} field="max_attempts" label="Max attempts" type="number" min={1} max={100} hint="Attempts per run before it fails; empty: the job type's (default 3)." />
        <TextField form={form} field="timeout_seconds" label="Timeout (seconds)" type="number" min={1} hint="A run is aborted after this; empty: the job type's." />
        <TextField form={form} field="priority" label="Priority" type="number" min={-1000} max={1000} hint="Higher runs first when workers are busy (−1000 to 1000)." />
        <TextField form={form} field="jitter_seconds" label="Jitter (seconds)" type="number" min={0} hint="Delays each run by a random amount up to this, to spread load." />
        <TextField form={form} field="pause_after_failures" label="Pause after failures" type="number" min={1} hint="Pauses the schedule after this many failed runs in a row; empty: never." />
      </div>
    </fieldset>
  );
}
