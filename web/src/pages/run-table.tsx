/**
 * The runs table shared by the Runs page and the batch view: one row per run with its status,
 * how it was triggered, its schedule, timing and attempts. Running rows tick their duration
 * every second; the rest of the table does not re-render for it.
 */
import type { JobRunWire } from '../../../src/api/wire.js';
import { durationBetween, formatDuration, shortId } from '../format.js';
import { useNow } from '../hooks.js';
import { Link } from '../router.js';
import { StatusBadge } from '../components/Status.js';
import { Time } from '../components/Time.js';


/** `1 min 15 s` for a finished run, `running for 12 s` while it runs, `—` before it starts. */
export function RunDuration({ run }: { run: Pick<JobRunWire, 'status' | 'started_at' | 'finished_at'> }) {
  if (run.started_at && !run.finished_at && run.status === 'running') return <RunningFor since={run.started_at} />;
  return <>{formatDuration(durationBetween(run.started_at, run.finished_at))}</>;
}

function RunningFor({ since }: { since: string }) {
  const now = useNow(1000);
  return <span className="muted">running for {formatDuration(Math.max(0, now.getTime() - new Date(since).getTime()))}</span>;
}

export function RunTable({ runs, caption, showBatch = true }: { runs: readonly JobRunWire[]; caption: string; showBatch?: boolean }) {
  return (
    <div className="table-wrap">
      <table className="run-table" aria-label={caption}>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Trigger</th>
            <th scope="col">Schedule</th>
            <th scope="col">Tenant</th>
            <th scope="col">Scheduled for / created</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col" className="num">
              Attempt
            </th>
            {showBatch ? <th scope="col">Batch</th> : null}
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <RunRow key={run.id} run={run} showBatch={showBatch} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunRow({ run, showBatch }: { run: JobRunWire; showBatch: boolean }) {
  return (
    <tr>
      <td className="nowrap">
        <Link to={`/runs/${run.id}`}>{run.job_type}</Link> <span className="muted mono">{shortId(run.id)}</span>
      </td>
      <td>
        <StatusBadge status={run.status} />
        {run.cancel_requested_at && run.status === 'running' ? <span className="muted run-note"> cancelling…</span> : null}
      </td>
      <td className="nowrap">{run.trigger.replace('_', ' ')}</td>
      <td className="run-schedule">{run.scheduled_job_id ? <Link to={`/schedules/${run.scheduled_job_id}`} title={run.schedule_name ?? undefined}>{run.schedule_name ?? shortId(run.scheduled_job_id)}</Link> : <span className="muted">{run.schedule_name ?? '—'}</span>}</td>
      <td>{run.tenant_id ?? <span className="muted">—</span>}</td>
      <td className="nowrap">
        <Time at={run.scheduled_for ?? run.created_at} />
      </td>
      <td className="nowrap">
        <Time at={run.started_at} />
      </td>
      <td className="nowrap">
        <RunDuration run={run} />
      </td>
      <td className="num nowrap">
        {run.attempt}/{run.max_attempts}
      </td>
      {showBatch ? <td>{run.batch_id ? <Link to={`/batches/${run.batch_id}`}>Batch</Link> : <span className="muted">—</span>}</td> : null}
    </tr>
  );
}
