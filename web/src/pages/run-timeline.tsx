/**
 * What happened to a run and when (created, due, slot, started, finished, with attempts,
 * worker and lease), and where it comes from: trigger, schedule, batch, the run it retries and
 * the runs it depends on. Times are exact in the viewer's zone, the schedule's zone beside.
 */
import type { ReactNode } from 'react';
import type { JobRunWire } from '../../../src/api/wire.js';
import { Link } from '../router.js';
import { StatusBadge } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { RunDuration } from './run-table.js';
import { shortId } from '../format.js';

function Step({ label, at, zone, children }: { label: string; at: string | null; zone?: string; children?: ReactNode }) {
  return (
    <li className={at ? 'timeline-done' : 'timeline-future'}>
      <span className="timeline-label">{label}</span>
      <span className="timeline-time">{at ? <Time at={at} zone={zone} exact /> : <span className="muted">not yet</span>}</span>
      {at ? (
        <span className="muted timeline-relative">
          <Time at={at} />
        </span>
      ) : null}
      {children ? <span className="timeline-note">{children}</span> : null}
    </li>
  );
}

export function RunTimeline({ run, zone }: { run: JobRunWire; zone?: string }) {
  const finished = run.finished_at !== null;
  return (
    <ul className="timeline run-timeline" aria-label="Status timeline">
      <Step label="Created" at={run.created_at}>
        {run.created_by ? `by ${run.created_by.replace(/^token:/, '')}` : null}
      </Step>
      <Step label="Run after" at={run.run_after} zone={zone} />
      {run.scheduled_for ? (
        <Step label="Scheduled for" at={run.scheduled_for} zone={zone}>
          the schedule's slot
        </Step>
      ) : (
        <li className="timeline-future">
          <span className="timeline-label">Scheduled for</span>
          <span className="muted">no slot ({run.trigger.replace('_', ' ')} run)</span>
        </li>
      )}
      <Step label="Started" at={run.started_at}>
        {run.started_at || run.attempt > 0 ? `attempt ${run.attempt} of ${run.max_attempts}` : `up to ${run.max_attempts} attempts`}
        {run.worker_id ? (
          <>
            {' · worker '}
            <code>{run.worker_id}</code>
          </>
        ) : null}
        {run.lease_expires_at ? (
          <>
            {' · lease expires '}
            <Time at={run.lease_expires_at} />
          </>
        ) : null}
      </Step>
      {run.cancel_requested_at ? (
        <Step label="Cancel requested" at={run.cancel_requested_at}>
          {finished ? null : 'the worker is aborting the handler'}
        </Step>
      ) : null}
      <Step label="Finished" at={run.finished_at}>
        {finished ? <StatusBadge status={run.status} /> : null} <RunDuration run={run} />
      </Step>
    </ul>
  );
}

function RunLink({ id, runs }: { id: string; runs: ReadonlyMap<string, JobRunWire> | undefined }) {
  const other = runs?.get(id);
  return (
    <span className="run-ref">
      <Link to={`/runs/${id}`}>{other ? other.job_type : shortId(id)}</Link> {other ? <StatusBadge status={other.status} /> : null}
    </span>
  );
}

function RunLinks({ ids, runs }: { ids: readonly string[]; runs: ReadonlyMap<string, JobRunWire> | undefined }) {
  if (ids.length === 0) return <span className="muted">none</span>;
  return (
    <span className="run-refs">
      {ids.map((id) => (
        <RunLink key={id} id={id} runs={runs} />
      ))}
    </span>
  );
}

/** Where the run comes from and what it is tied to; `batchRuns` names the linked runs when known. */
export function RunFacts({ run, batchRuns }: { run: JobRunWire; batchRuns?: ReadonlyMap<string, JobRunWire> }) {
  const dependents = batchRuns ? [...batchRuns.values()].filter((other) => other.depends_on.includes(run.id)).map((other) => other.id) : [];
  return (
    <dl className="fields run-facts">
      <dt>Run id</dt>
      <dd>
        <code>{run.id}</code>
      </dd>
      <dt>Trigger</dt>
      <dd>{run.trigger.replace('_', ' ')}</dd>
      <dt>Schedule</dt>
      <dd>{run.scheduled_job_id ? <Link to={`/schedules/${run.scheduled_job_id}`}>{run.schedule_name ?? shortId(run.scheduled_job_id)}</Link> : <span className="muted">{run.schedule_name ?? 'none (one-off run)'}</span>}</dd>
      <dt>Batch</dt>
      <dd>{run.batch_id ? <Link to={`/batches/${run.batch_id}`}>Batch {shortId(run.batch_id)}</Link> : <span className="muted">none</span>}</dd>
      {run.retry_of ? (
        <>
          <dt>Retry of</dt>
          <dd>
            <Link to={`/runs/${run.retry_of}`}>Run {shortId(run.retry_of)}</Link>
          </dd>
        </>
      ) : null}
      <dt>Depends on</dt>
      <dd>
        <RunLinks ids={run.depends_on} runs={batchRuns} />
      </dd>
      {dependents.length > 0 ? (
        <>
          <dt>Needed by</dt>
          <dd>
            <RunLinks ids={dependents} runs={batchRuns} />
          </dd>
        </>
      ) : null}
      {run.waits_for.length > 0 ? (
        <>
          <dt>Waits for</dt>
          <dd>
            <RunLinks ids={run.waits_for} runs={batchRuns} />
          </dd>
        </>
      ) : null}
      <dt>Tenant</dt>
      <dd>{run.tenant_id ?? <span className="muted">none</span>}</dd>
      <dt>Priority</dt>
      <dd>{run.priority}</dd>
      <dt>Timeout</dt>
      <dd>{run.timeout_seconds ? `${run.timeout_seconds} s` : <span className="muted">none</span>}</dd>
    </dl>
  );
}
