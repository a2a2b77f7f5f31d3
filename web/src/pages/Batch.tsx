/**
 * `#/batches/<batch_id>`: the runs one group or all-jobs firing created, drawn as their
 * dependency graph (a run waits for the runs it depends on) and listed below in dependency
 * order. Follows live events for the batch, so the graph colours in as runs finish.
 */
import { useMemo } from 'react';
import type { JobRunWire, PageWire, ScheduledJobWire } from '../../../src/api/wire.js';
import { ApiError } from '../api/client.js';
import { useResource, useThrottled } from '../hooks.js';
import { useLiveEvents } from '../live.js';
import { Link } from '../router.js';
import { Graph, type GraphNode } from '../components/Graph.js';
import { EmptyState, ErrorState, Loading } from '../components/States.js';
import { StatusBadge } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { RUN_STATUSES } from './run-filters.js';
import { orderByDependencies } from './run-order.js';
import { RunTable } from './run-table.js';
import { shortId } from '../format.js';
import './runs.css';

const LIVE_RELOAD_MS = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function Batch({ id }: { id: string }) {
  const valid = UUID.test(id);
  const { data, error, loading, reload } = useResource<PageWire<JobRunWire>>(valid ? `/job-runs?batch_id=${id}&limit=500` : null);
  const reloadSoon = useThrottled(reload, LIVE_RELOAD_MS);
  useLiveEvents(['run'], (event) => {
    if (event.type === 'runs.bulk_changed' || event.batch_id === id) reloadSoon();
  });

  const runs = useMemo(() => orderByDependencies(data?.items ?? []), [data]);
  const first = runs[0];
  const schedule = useResource<ScheduledJobWire>(first?.scheduled_job_id ? `/scheduled-jobs/${first.scheduled_job_id}` : null);

  const header = (
    <p className="muted breadcrumb">
      <Link to="/runs">Runs</Link> / batch <span className="mono">{shortId(id)}</span>
    </p>
  );
  if (!valid) {
    return (
      <section>
        {header}
        <ErrorState error={new ApiError(404, 'not_found', `"${id}" is not a batch id.`)} />
      </section>
    );
  }
  if (loading) return <Loading label="Loading the batch…" height="30rem" />;
  if (error && !data) {
    return (
      <section>
        {header}
        <ErrorState error={error} onRetry={reload} />
      </section>
    );
  }

  const zone = schedule.data?.timezone;
  const nodes: GraphNode[] = runs.map((run) => ({ id: run.id, label: run.job_type, detail: run.status, tone: `node-${run.status}`, href: `#/runs/${run.id}`, dependsOn: run.depends_on }));
  return (
    <section className="batch-page">
      {header}
      <div className="page-header">
        <h1>Batch</h1>
      </div>
      {first ? (
        <>
          <p className="batch-origin">
            {first.scheduled_job_id ? <Link to={`/schedules/${first.scheduled_job_id}`}>{first.schedule_name ?? shortId(first.scheduled_job_id)}</Link> : <strong>{first.schedule_name ?? 'One-off batch'}</strong>} fired <Time at={earliest(runs)} zone={zone} exact /> ({first.trigger.replace('_', ' ')}){first.scheduled_for ? (
              <>
                {' '}for the slot <Time at={first.scheduled_for} zone={zone} exact />
              </>
            ) : null}
            .
          </p>
          <BatchSummary runs={runs} />
          <section className="card run-card" aria-labelledby="batch-graph-heading">
            <h2 id="batch-graph-heading">Dependency graph</h2>
            <p className="hint">Each run starts once the runs it points from have completed; a failure cancels the runs downstream of it.</p>
            <Graph nodes={nodes} label="Dependency graph of the batch" />
          </section>
          <h2>Runs</h2>
          <RunTable runs={runs} caption="Runs of the batch" showBatch={false} />
        </>
      ) : (
        <EmptyState title="No runs in this batch">The batch id is unknown, its runs belong to another tenant, or they were pruned by retention.</EmptyState>
      )}
    </section>
  );
}

function earliest(runs: readonly JobRunWire[]): string {
  return runs.reduce((min, run) => (run.created_at < min ? run.created_at : min), runs[0]!.created_at);
}

function BatchSummary({ runs }: { runs: readonly JobRunWire[] }) {
  const counts = RUN_STATUSES.map((status) => [status, runs.filter((run) => run.status === status).length] as const).filter(([, count]) => count > 0);
  const finished = runs.filter((run) => run.finished_at !== null).length;
  return (
    <ul className="batch-summary" aria-label="Runs by status">
      <li>
        <strong>{finished}</strong> of {runs.length} finished
      </li>
      {counts.map(([status, count]) => (
        <li key={status}>
          {count} <StatusBadge status={status} />
        </li>
      ))}
    </ul>
  );
}
