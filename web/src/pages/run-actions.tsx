/**
 * Steering one run, for operators: cancel a pending or running run (after a confirmation), and
 * retry a finished one as a new run. The page reloads the run from live events, so a running
 * run's change to `cancelled` shows without a refresh.
 */
import { useState } from 'react';
import type { JobRunWire } from '../../../src/api/wire.js';
import { api } from '../api/client.js';
import { toApiError } from '../hooks.js';
import { navigate } from '../router.js';
import { Dialog } from '../components/Dialog.js';
import { useToast } from '../components/Toast.js';

export function CancelRunButton({ run, onDone }: { run: JobRunWire; onDone: () => void }) {
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const running = run.status === 'running';

  const submit = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const after = await api.post<JobRunWire>(`/job-runs/${run.id}/cancel`);
      toast('ok', after.status === 'cancelled' ? 'Run cancelled' : 'Cancel requested: the worker is aborting the run');
      setOpen(false);
      onDone();
    } catch (error) {
      setProblem(toApiError(error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {/* Hidden while its modal is open (the page is inert then), so "Cancel run" names one button. */}
      <button type="button" className="danger" onClick={() => setOpen(true)} disabled={run.cancel_requested_at !== null} aria-hidden={open || undefined}>
        {run.cancel_requested_at !== null ? 'Cancelling…' : 'Cancel run'}
      </button>
      <Dialog open={open} title="Cancel this run?" submitLabel="Cancel run" danger busy={busy} onClose={() => setOpen(false)} onSubmit={() => void submit()}>
        <p>
          {running
            ? `${run.job_type} is running (attempt ${run.attempt} of ${run.max_attempts}). Its handler is aborted and the run ends cancelled, without further attempts.`
            : `${run.job_type} has not started. It will not run.`}
          {run.batch_id ? ' Runs of its batch that depend on it are cancelled too.' : null}
        </p>
        {problem ? (
          <p className="field-error" role="alert">
            {problem}
          </p>
        ) : null}
      </Dialog>
    </>
  );
}

export function RetryRunButton({ run }: { run: JobRunWire }) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const retry = async () => {
    setBusy(true);
    try {
      const created = await api.post<JobRunWire>(`/job-runs/${run.id}/retry`);
      toast('ok', 'Retry queued');
      navigate(`/runs/${created.id}`);
    } catch (error) {
      toast('error', `Retry failed: ${toApiError(error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" onClick={() => void retry()} disabled={busy}>
      Retry
    </button>
  );
}
