/**
 * The dashboard (`#/`): run counts, 30 days of success rate and duration, the failures of the
 * last 24 h, late or missed schedules, the next slots and the live workers. Two resources
 * (`GET /dashboard`, `GET /scheduler/status`), reloaded together on run and schedule events
 * (throttled) and every 15 s anyway, since heartbeats and "late" change without events.
 */
import { useCallback, useEffect, type ReactNode } from 'react';
import type { DashboardWire, JobRunWire, SchedulerStatusWire } from '../../../src/api/wire.js';
import { formatDuration } from '../format.js';
import { useResource, useThrottled, type Resource } from '../hooks.js';
import { useLiveEvents } from '../live.js';
import { Link } from '../router.js';
import { DurationChart, SuccessRateChart } from '../components/Charts.js';
import { EmptyState, ErrorState, Loading } from '../components/States.js';
import { Time } from '../components/Time.js';
import { HeartbeatAge, useClockSkew } from './heartbeat.js';
import './dashboard.css';
import './ops.css';

const CHART_HEIGHT = '13.5rem';
const SECTION_HEIGHT = '10rem';
const ERROR_CHARS = 160;

export function Dashboard() {
  const dashboard = useResource<DashboardWire>('/dashboard');
  const status = useResource<SchedulerStatusWire>('/scheduler/status');
  const { reload: reloadDashboard } = dashboard;
  const { reload: reloadStatus } = status;
  const reloadBoth = useCallback(() => {
    reloadDashboard();
    reloadStatus();
  }, [reloadDashboard, reloadStatus]);
  useLiveEvents(['run', 'schedule'], useThrottled(reloadBoth, 2000));
  useEffect(() => {
    const timer = setInterval(reloadBoth, 15_000);
    return () => clearInterval(timer);
  }, [reloadBoth]);

  const data = dashboard.data;
  return (
    <section className="dashboard">
      <div className="page-header">
        <h1>Dashboard</h1>
        <p className="muted dash-updated">{data ? <>Updated <Time at={data.generated_at} /></> : '\u00a0'}</p>
      </div>
      {dashboard.error && !data ? <ErrorState error={dashboard.error} onRetry={reloadBoth} /> : null}
      <StatCards counts={data?.status_counts} />
      <div className="dash-grid">
        <section className="card" aria-labelledby="dash-success">
          <h2 id="dash-success">Success rate, last 30 days</h2>
          {data ? <SuccessRateChart days={data.daily} /> : <Pending resource={dashboard} height={CHART_HEIGHT} />}
        </section>
        <section className="card" aria-labelledby="dash-duration">
          <h2 id="dash-duration">Duration p50 and p95, last 30 days</h2>
          {data ? <DurationChart days={data.daily} /> : <Pending resource={dashboard} height={CHART_HEIGHT} />}
        </section>
      </div>
      <div className="dash-grid">
        <Section id="dash-failures" title="Failures in the last 24 h" resource={dashboard}>
          {(value) => <Failures runs={value.recent_failures} total={value.failures_last24h} />}
        </Section>
        <Section id="dash-late" title="Late or missed schedules" resource={dashboard}>
          {(value) => <LateSchedules schedules={value.late_schedules} />}
        </Section>
        <Section id="dash-upcoming" title="Upcoming" resource={dashboard}>
          {(value) => <Upcoming slots={value.upcoming} />}
        </Section>
        <Section id="dash-workers" title="Workers" resource={status} showError>
          {(value) => <LiveWorkers status={value} />}
        </Section>
      </div>
    </section>
  );
}

/**
 * A card with its h2 and, until the first answer, a fixed-height placeholder. The dashboard's
 * own error shows once at the top, so its sections just say "unavailable" (`showError` shows
 * the error in the card, for the scheduler status).
 */
function Section<T>({ id, title, resource, showError = false, children }: { id: string; title: string; resource: Resource<T>; showError?: boolean; children: (data: T) => ReactNode }) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {resource.data !== undefined ? children(resource.data) : <Pending resource={resource} height={SECTION_HEIGHT} showError={showError} />}
    </section>
  );
}

function Pending<T>({ resource, height, showError = false }: { resource: Resource<T>; height: string; showError?: boolean }) {
  if (!resource.error) return <Loading height={height} />;
  if (showError) return <ErrorState error={resource.error} onRetry={resource.reload} />;
  return <p className="muted">Unavailable.</p>;
}

const STAT_CARDS: Array<{ status: keyof DashboardWire['status_counts']; label: string }> = [
  { status: 'pending', label: 'Pending now' },
  { status: 'running', label: 'Running now' },
  { status: 'completed', label: 'Completed, 24 h' },
  { status: 'failed', label: 'Failed, 24 h' },
  { status: 'cancelled', label: 'Cancelled, 24 h' },
  { status: 'skipped', label: 'Skipped, 24 h' },
];

function StatCards({ counts }: { counts: DashboardWire['status_counts'] | undefined }) {
  return (
    <div className="stats dash-stats">
      {STAT_CARDS.map(({ status, label }) => {
        const value = counts?.[status];
        const alarm = status === 'failed' && (value ?? 0) > 0;
        return (
          <Link key={status} to="/runs" query={{ status }} className={`stat dash-stat dash-stat-${status}${alarm ? ' dash-stat-alarm' : ''}`}>
            <span className="value">{value ?? '—'}</span>
            <span className="label">{label}</span>
          </Link>
        );
      })}
    </div>
  );
}

function truncate(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}

function Failures({ runs, total }: { runs: JobRunWire[]; total: number }) {
  if (runs.length === 0) return <EmptyState title="No failures in the last 24 hours" />;
  return (
    <>
      <ul className="dash-list">
        {runs.map((run) => (
          <li key={run.id}>
            <div className="dash-line">
              <Link to={`/runs/${run.id}`} className="mono">
                {run.job_type}
              </Link>
              <span className="muted">
                {run.scheduled_job_id ? <Link to={`/schedules/${run.scheduled_job_id}`}>{run.schedule_name ?? 'schedule'}</Link> : `one-off (${run.trigger})`}
              </span>
              <span className="dash-when">
                <Time at={run.finished_at} />
              </span>
            </div>
            {run.error_message ? (
              <div className="dash-error" title={run.error_message}>
                {truncate(run.error_message, ERROR_CHARS)}
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      <p className="dash-more">
        <Link to="/runs" query={{ status: 'failed' }}>
          {total > runs.length ? `All ${total} failed runs` : 'Failed runs'}
        </Link>
      </p>
    </>
  );
}

function LateSchedules({ schedules }: { schedules: DashboardWire['late_schedules'] }) {
  if (schedules.length === 0) return <EmptyState title="No late or missed schedules">Every active schedule fired its last slot on time.</EmptyState>;
  return (
    <ul className="dash-list">
      {schedules.map((schedule) => (
        <li key={schedule.id}>
          <div className="dash-line">
            <Link to={`/schedules/${schedule.id}`}>{schedule.name}</Link>
            <span className={`badge badge-${schedule.reason}`}>{schedule.reason}</span>
            {schedule.reason === 'late' && schedule.late_by_ms !== null ? <span>late by {formatDuration(schedule.late_by_ms)}</span> : null}
          </div>
          {schedule.last_missed_at ? (
            <div className="muted dash-detail">
              last missed <Time at={schedule.last_missed_at} />
              {schedule.missed_count > 0 ? ` · ${schedule.missed_count} missed in all` : ''}
            </div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function Upcoming({ slots }: { slots: DashboardWire['upcoming'] }) {
  if (slots.length === 0) return <EmptyState title="No upcoming slots">No active schedule has a next slot.</EmptyState>;
  return (
    <ol className="timeline dash-upcoming">
      {slots.map((slot) => (
        <li key={`${slot.scheduled_job_id}-${slot.at}`}>
          <span className="dash-when-strong">
            <Time at={slot.at} zone={slot.timezone} />
          </span>
          <Link to={`/schedules/${slot.scheduled_job_id}`}>{slot.schedule_name}</Link>
          <span className="muted dash-exact">
            <Time at={slot.at} zone={slot.timezone} exact />
          </span>
        </li>
      ))}
    </ol>
  );
}

function LiveWorkers({ status }: { status: SchedulerStatusWire }) {
  const skewMs = useClockSkew(status);
  const alive = status.workers.filter((worker) => worker.alive);
  const silent = status.workers.length - alive.length;
  const byRole = new Map<string, number>();
  for (const worker of alive) byRole.set(worker.role, (byRole.get(worker.role) ?? 0) + 1);
  const roles = [...byRole].map(([role, count]) => `${role}: ${count}`).join(', ');
  return (
    <>
      {alive.length === 0 ? (
        <EmptyState title="No live workers">Runs wait until a process started with hourglass start or hourglass worker sends heartbeats.</EmptyState>
      ) : (
        <>
          <p className="dash-summary">
            <strong>{alive.length} alive</strong> <span className="muted">({roles})</span>
          </p>
          <ul className="dash-list">
            {alive.map((worker) => (
              <li key={worker.id} className="dash-line">
                <span className="mono">
                  {worker.hostname}:{worker.pid}
                </span>
                <span className="badge badge-role">{worker.role}</span>
                <span className="muted dash-when">
                  heartbeat <HeartbeatAge at={worker.heartbeat_at} skewMs={skewMs} everyMs={5000} />
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      <p className="dash-more">
        {silent > 0 ? <span className="dash-warn">{silent} silent · </span> : null}
        <Link to="/workers">All workers</Link>
      </p>
    </>
  );
}
