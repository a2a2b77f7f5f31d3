/**
 * Workers (`#/workers`): the scheduler, worker and API processes with their heartbeats, and the
 * queue and schedule counts of `GET /scheduler/status`. Running runs per process come from
 * `GET /job-runs?status=running` (one page of 500: more than that shows as "500+" in total).
 * Refreshes every 5 s (heartbeats have no live event) and on run events.
 */
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { JobRunWire, PageWire, SchedulerStatusWire, WorkerWire } from '../../../src/api/wire.js';
import { useResource, useThrottled } from '../hooks.js';
import { useLiveEvents } from '../live.js';
import { Link } from '../router.js';
import { EmptyState, ErrorState, Loading } from '../components/States.js';
import { Time } from '../components/Time.js';
import { shortId } from '../format.js';
import { HeartbeatAge, WorkerStateBadge, useClockSkew, workerStateOf } from './heartbeat.js';
import './ops.css';

const RUNNING_LIMIT = 500;
const stateOrder = { alive: 0, silent: 1, stopped: 2 } as const;

export function Workers() {
  const [showStopped, setShowStopped] = useState(false);
  const status = useResource<SchedulerStatusWire>(`/scheduler/status${showStopped ? '?include_stopped=true' : ''}`);
  const running = useResource<PageWire<JobRunWire>>(`/job-runs?status=running&limit=${RUNNING_LIMIT}`);
  const { reload: reloadStatus } = status;
  const { reload: reloadRunning } = running;
  const reloadBoth = useCallback(() => {
    reloadStatus();
    reloadRunning();
  }, [reloadStatus, reloadRunning]);
  useLiveEvents(['run'], useThrottled(reloadBoth, 1000));
  useEffect(() => {
    const timer = setInterval(reloadBoth, 5000);
    return () => clearInterval(timer);
  }, [reloadBoth]);

  const runningByWorker = useMemo(() => {
    const counts = new Map<string, number>();
    for (const run of running.data?.items ?? []) if (run.worker_id) counts.set(run.worker_id, (counts.get(run.worker_id) ?? 0) + 1);
    return counts;
  }, [running.data]);

  return (
    <section>
      <div className="page-header">
        <h1>Workers</h1>
        <label className="ops-check">
          <input type="checkbox" checked={showStopped} onChange={(event) => setShowStopped(event.target.checked)} /> Show stopped
        </label>
      </div>
      <QueueCounts status={status.data} />
      <h2>Processes</h2>
      {status.data ? (
        <ProcessTable status={status.data} runningByWorker={runningByWorker} countsKnown={running.data !== undefined} showStopped={showStopped} />
      ) : status.error ? (
        <ErrorState error={status.error} onRetry={reloadBoth} />
      ) : (
        <Loading height="10rem" />
      )}
      {running.data?.next_cursor ? <p className="hint">Running counts per process cover the first {RUNNING_LIMIT} running runs.</p> : null}
      {running.error && status.data ? <p className="field-error">Running runs per process are unavailable: {running.error.message}</p> : null}
    </section>
  );
}

function QueueCounts({ status }: { status: SchedulerStatusWire | undefined }) {
  const cards: Array<{ label: string; value: ReactNode; to?: string; query?: Record<string, string> }> = [
    { label: 'Pending runs', value: status?.pending, to: '/runs', query: { status: 'pending' } },
    { label: 'Ready to claim', value: status?.ready },
    { label: 'Running runs', value: status?.running, to: '/runs', query: { status: 'running' } },
    { label: 'Late schedules', value: status?.late, to: '/schedules' },
    { label: 'Next due', value: status ? <Time at={status.next_run_at} /> : undefined },
    { label: 'Schedules active · paused · inactive', value: status ? `${status.active} · ${status.paused} · ${status.inactive}` : undefined, to: '/schedules' },
  ];
  return (
    <div className="stats ops-stats" aria-label="Queue and schedules" role="group">
      {cards.map((card) => {
        const body = (
          <>
            <span className="value">{card.value ?? '—'}</span>
            <span className="label">{card.label}</span>
          </>
        );
        return card.to ? (
          <Link key={card.label} to={card.to} query={card.query} className={`stat ops-stat${card.label === 'Late schedules' && (status?.late ?? 0) > 0 ? ' ops-stat-warn' : ''}`}>
            {body}
          </Link>
        ) : (
          <div key={card.label} className="stat">
            {body}
          </div>
        );
      })}
    </div>
  );
}

function sortWorkers(workers: readonly WorkerWire[]): WorkerWire[] {
  return [...workers].sort(
    (a, b) => stateOrder[workerStateOf(a)] - stateOrder[workerStateOf(b)] || a.role.localeCompare(b.role) || b.started_at.localeCompare(a.started_at),
  );
}

function ProcessTable({
  status,
  runningByWorker,
  countsKnown,
  showStopped,
}: {
  status: SchedulerStatusWire;
  runningByWorker: Map<string, number>;
  countsKnown: boolean;
  showStopped: boolean;
}) {
  const skewMs = useClockSkew(status);
  if (status.workers.length === 0) {
    return (
      <EmptyState title={showStopped ? 'No worker processes recorded' : 'No running worker processes'}>
        Start one with <code>hourglass start</code>, <code>hourglass scheduler</code> or <code>hourglass worker</code>.
      </EmptyState>
    );
  }
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Process</th>
            <th scope="col">Role</th>
            <th scope="col">Alive</th>
            <th scope="col">Heartbeat</th>
            <th scope="col" className="num">Concurrency</th>
            <th scope="col" className="num">Running</th>
            <th scope="col">Version</th>
            <th scope="col">Started</th>
          </tr>
        </thead>
        <tbody>
          {sortWorkers(status.workers).map((worker) => {
            const state = workerStateOf(worker);
            const count = runningByWorker.get(worker.id) ?? 0;
            return (
              <tr key={worker.id} className={state === 'stopped' ? 'ops-muted-row' : undefined}>
                <td className="nowrap">
                  <span className="mono" title={worker.id}>
                    {shortId(worker.id)}
                  </span>{' '}
                  <span className="muted mono">
                    {worker.hostname}:{worker.pid}
                  </span>
                </td>
                <td>{worker.role}</td>
                <td>
                  <WorkerStateBadge state={state} />
                </td>
                <td className="nowrap">{state === 'stopped' && worker.stopped_at ? <>stopped <Time at={worker.stopped_at} /></> : <HeartbeatAge at={worker.heartbeat_at} skewMs={skewMs} />}</td>
                <td className="num">{worker.concurrency}</td>
                <td className="num">{!countsKnown ? '—' : count > 0 ? <Link to="/runs" query={{ status: 'running' }} aria-label={`${count} running runs`}>{count}</Link> : 0}</td>
                <td className="mono">{worker.version}</td>
                <td className="nowrap">
                  <Time at={worker.started_at} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
