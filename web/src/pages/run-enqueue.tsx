/**
 * "Enqueue run": a one-off run of any registered job type (`POST /job-runs`, trigger `api`),
 * for operators. The payload is checked as JSON here and against the job type's schema by the
 * server, whose errors name the field and are shown beside it. On success the new run opens.
 */
import { useState } from 'react';
import type { JobRunWire, JobTypeWire } from '../../../src/api/wire.js';
import { api } from '../api/client.js';
import { toApiError } from '../hooks.js';
import { useMe } from '../me.js';
import { navigate } from '../router.js';
import { Dialog } from '../components/Dialog.js';
import { useToast } from '../components/Toast.js';

interface Problem {
  field: 'job_type' | 'payload' | 'tenant_id' | null;
  message: string;
}

/** Which input an API error belongs to (`payload.limit` belongs to the payload). */
function problemOf(error: unknown): Problem {
  const { field = '', message } = toApiError(error);
  if (field === 'job_type' || field === 'tenant_id') return { field, message };
  return { field: field === 'payload' || field.startsWith('payload.') ? 'payload' : null, message };
}

/** `suggested`: the job type to preselect (e.g. the one the list is filtered by). */
export function EnqueueRunButton({ jobTypes, suggested }: { jobTypes: readonly JobTypeWire[]; suggested?: string }) {
  const me = useMe();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [jobType, setJobType] = useState('');
  const [payload, setPayload] = useState('{}');
  const [tenant, setTenant] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const chosen = jobType || (jobTypes[0]?.name ?? '');
  const description = jobTypes.find((type) => type.name === chosen)?.description;

  const show = () => {
    setJobType(suggested && jobTypes.some((type) => type.name === suggested) ? suggested : '');
    setPayload('{}');
    setProblem(null);
    setBusy(false);
    setOpen(true);
  };

  const submit = async () => {
    const parsed = parsePayload(payload);
    if (typeof parsed === 'string') return setProblem({ field: 'payload', message: parsed });
    setBusy(true);
    setProblem(null);
    try {
      const run = await api.post<JobRunWire>('/job-runs', { job_type: chosen, payload: parsed, ...(!me.tenant_id && tenant.trim() ? { tenant_id: tenant.trim() } : {}) });
      toast('ok', `Run of ${run.job_type} enqueued`);
      setOpen(false);
      navigate(`/runs/${run.id}`);
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  };

  const errorFor = (field: Problem['field'], id: string) =>
    problem && problem.field === field ? (
      <p id={id} className="field-error" role="alert">
        {problem.message}
      </p>
    ) : null;

  return (
    <>
      {/* While the modal is open the page behind it is inert; hiding the trigger too keeps "Enqueue" one button by name. */}
      <button type="button" className="primary" onClick={show} disabled={jobTypes.length === 0} aria-hidden={open || undefined}>
        Enqueue run
      </button>
      <Dialog open={open} title="Enqueue a run" submitLabel="Enqueue" busy={busy} onClose={() => setOpen(false)} onSubmit={() => void submit()}>
        <label htmlFor="enqueue-job-type">Job type</label>
        <select id="enqueue-job-type" value={chosen} required onChange={(event) => setJobType(event.target.value)} aria-invalid={problem?.field === 'job_type' ? true : undefined} aria-describedby="enqueue-job-type-hint">
          {jobTypes.map((type) => (
            <option key={type.name} value={type.name}>
              {type.name}
            </option>
          ))}
        </select>
        <p id="enqueue-job-type-hint" className="hint">
          {description ?? '\u00a0'}
        </p>
        {errorFor('job_type', 'enqueue-job-type-error')}
        <label htmlFor="enqueue-payload">Payload (JSON)</label>
        <textarea id="enqueue-payload" rows={6} spellCheck={false} value={payload} onChange={(event) => setPayload(event.target.value)} aria-invalid={problem?.field === 'payload' ? true : undefined} aria-describedby={problem?.field === 'payload' ? 'enqueue-payload-error' : undefined} />
        {errorFor('payload', 'enqueue-payload-error')}
        {me.tenant_id ? null : (
          <>
            <label htmlFor="enqueue-tenant">Tenant</label>
            <input id="enqueue-tenant" value={tenant} autoComplete="off" onChange={(event) => setTenant(event.target.value)} placeholder="none" aria-invalid={problem?.field === 'tenant_id' ? true : undefined} aria-describedby={problem?.field === 'tenant_id' ? 'enqueue-tenant-error' : undefined} />
            {errorFor('tenant_id', 'enqueue-tenant-error')}
          </>
        )}
        {errorFor(null, 'enqueue-error')}
      </Dialog>
    </>
  );
}

/** The payload object, or what is wrong with the text. */
function parsePayload(text: string): Record<string, unknown> | string {
  let parsed: unknown;
  try {
    parsed = text.trim() ? JSON.parse(text) : {};
  } catch (error) {
    return `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'The payload must be a JSON object, e.g. {"limit": 10}';
  return parsed as Record<string, unknown>;
}
