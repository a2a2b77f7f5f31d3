/**
 * `#/runs/<id>`: one run: its status timeline, where it comes from, payload, metrics, result,
 * error and logs. While the run is pending or running the page follows it: live events reload
 * the run (with a slow poll as the guarantee) and the logs poll for new lines. Operators can
 * cancel it, or retry it once it has finished.
 */
import { useEffect, useMemo } from 'react';
import type { JobRunDetailWire, JobRunWire, PageWire, ScheduledJobWire } from '../../../src/api/wire.js';
import { useResource, useThrottled } from '../hooks.js';
import { useLiveEvents } from '../live.js';
import { Can } from '../me.js';
import { Link } from '../router.js';
import { ErrorState, Loading } from '../components/States.js';
import { StatusBadge } from '../components/Status.js';
import { CancelRunButton, RetryRunButton } from './run-actions.js';
import { RunLogs } from './run-logs.js';
import { shortId } from '../format.js';
import { RunFacts, RunTimeline } from './run-timeline.js';
import './runs.css';

const LIVE_RELOAD_MS = 500;
/** Reload an unfinished run this often even without live events (they only make it sooner). */
const FALLBACK_POLL_MS = 10_000;

export function RunDetail({ id }: { id: string }) {
  // A new id is a new page: no state (logs, scroll position) carries over.
  return <RunPage key={id} id={id} />;
}

function isActive(run: Pick<JobRunWire, 'status'>): boolean {
  return run.status === 'pending' || run.status === 'running';
}

function RunPage({ id }: { id: string }) {
  const { data: run, error, loading, reload } = useResource<JobRunDetailWire>(`/job-runs/${encodeURIComponent(id)}`);
  const schedule = useResource<ScheduledJobWire>(run?.scheduled_job_id ? `/scheduled-jobs/${run.scheduled_job_id}` : null);
  const batch = useResource<PageWire<JobRunWire>>(run?.batch_id ? `/job-runs?batch_id=${run.batch_id}&limit=500` : null);
  const reloadRun = useThrottled(reload, LIVE_RELOAD_MS);
  const reloadBatch = useThrottled(batch.reload, LIVE_RELOAD_MS);

  useLiveEvents(['run'], (event) => {
    if (event.type === 'runs.bulk_changed' || event.id === id) reloadRun();
    if (run?.batch_id && (event.type === 'runs.bulk_changed' || event.batch_id === run.batch_id)) reloadBatch();
  });

  const active = run ? isActive(run) : false;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(reload, FALLBACK_POLL_MS);
    return () => clearInterval(timer);
  }, [active, reload]);

  const batchRuns = useMemo(() => (batch.data ? new Map(batch.data.items.map((other) => [other.id, other])) : undefined), [batch.data]);

  if (loading) return <Loading label="Loading the run…" height="30rem" />;
  if (!run) {
    return (
      <section>
        <p className="muted">
          <Link to="/runs">Runs</Link> /
        </p>
        {error ? <ErrorState error={error} onRetry={error.status === 404 ? undefined : reload} /> : null}
      </section>
    );
  }

  const zone = schedule.data?.timezone;
  return (
    <section className="run-page">
      <p className="muted breadcrumb">
        <Link to="/runs">Runs</Link> / <span className="mono">{shortId(run.id)}</span>
      </p>
      <div className="page-header">
        <div className="run-title">
          <h1>Run: {run.job_type}</h1>
          <StatusBadge status={run.status} />
          {run.cancel_requested_at && active ? <span className="muted">cancelling…</span> : null}
        </div>
        <Can role="operator">
          <div className="actions">
            {active ? <CancelRunButton run={run} onDone={reload} /> : <RetryRunButton run={run} />}
          </div>
        </Can>
      </div>

      <div className="grid run-overview">
        <section className="card run-card" aria-labelledby="run-timeline-heading">
          <h2 id="run-timeline-heading">Timeline</h2>
          <RunTimeline run={run} zone={zone} />
        </section>
        <section className="card run-card" aria-labelledby="run-facts-heading">
          <h2 id="run-facts-heading">Details</h2>
          <RunFacts run={run} batchRuns={batchRuns} />
        </section>
      </div>

      {run.error_message ? (
        <section aria-labelledby="run-error-heading">
          <h2 id="run-error-heading">Error</h2>
          <pre className="run-error">{run.error_message}</pre>
        </section>
      ) : null}

      <div className="grid run-data">
        <JsonSection id="run-payload-heading" title="Payload" value={run.payload} empty="No payload (the job type's defaults apply)." />
        <JsonSection id="run-metrics-heading" title="Metrics" value={run.metrics} empty={active ? 'No metrics yet.' : 'No metrics recorded.'} />
        <JsonSection id="run-result-heading" title="Result" value={run.result} empty={active ? 'No result yet.' : 'No result.'} />
      </div>

      <section aria-labelledby="run-logs-heading">
        <h2 id="run-logs-heading">Logs</h2>
        <RunLogs runId={run.id} initial={run.logs} following={active} />
      </section>
    </section>
  );
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'object' && Object.keys(value).length === 0);
}

function JsonSection({ id, title, value, empty }: { id: string; title: string; value: unknown; empty: string }) {
  return (
    <section className="card run-card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {isEmpty(value) ? <p className="muted">{empty}</p> : <pre>{JSON.stringify(value, null, 2)}</pre>}
    </section>
  );
}
