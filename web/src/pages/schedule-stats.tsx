/**
 * A schedule's record on its page: its counters, the last 30 days of outcomes (bars, with the
 * same figures as a table for screen readers and exact values), its recent failures and its
 * last runs. Data comes from the page (`/stats`, `/history`), which reloads it live.
 */
import type { JobRunWire, PageWire, ScheduledJobWire, ScheduleStatsWire } from '../../../src/api/wire.js';
import type { Resource } from '../hooks.js';
import { durationBetween, formatDuration, formatPercent, shortId } from '../format.js';
import { Link } from '../router.js';
import { EmptyState, ErrorState, Loading } from '../components/States.js';
import { StatusBadge } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { computeSuccessRate } from './schedule-cells.js';

type Day = ScheduleStatsWire['daily'][number];

export function ScheduleCounters({ schedule, stats }: { schedule: ScheduledJobWire; stats: ScheduleStatsWire | undefined }) {
  const figures: Array<[string, string | number, string?]> = [
    ['Fired', schedule.run_count, 'slots fired and manual runs'],
    ['Succeeded', schedule.success_count],
    ['Failed', schedule.failure_count],
    ['Success rate', formatPercent(computeSuccessRate(schedule)), 'succeeded / (succeeded + failed)'],
    ['Failed in a row', schedule.consecutive_failures],
    ['Failed in 24 h', stats ? stats.failures_last24h : '—'],
    ['Skipped (overlap)', schedule.skipped_count],
    ['Missed', schedule.missed_count],
    ['Suppressed', schedule.suppressed_count, 'slots inside a blackout window'],
  ];
  return (
    <div className="stats" role="list" aria-label="Counters">
      {figures.map(([label, value, title]) => (
        <div className="stat" role="listitem" key={label} title={title}>
          <span className="value">{value}</span>
          <span className="label">{label}</span>
        </div>
      ))}
    </div>
  );
}

export function ScheduleActivity({ stats, zone }: { stats: Resource<ScheduleStatsWire>; zone: string }) {
  if (stats.loading) return <Loading label="Loading statistics…" height="14rem" />;
  if (!stats.data) return stats.error ? <ErrorState error={stats.error} onRetry={stats.reload} /> : null;
  const { daily, recent_failures: failures, late } = stats.data;
  return (
    <div className="grid">
      <section className="card" aria-labelledby="days-title">
        <h2 id="days-title">Last 30 days</h2>
        <DailyBars days={daily} />
        {late ? (
          <p className="field-error">
            {late.late_by_ms !== null ? `Late: its slot is ${formatDuration(late.late_by_ms)} overdue.` : `Missed slots recently (${late.missed_count} missed in all).`}
          </p>
        ) : null}
      </section>
      <section className="card" aria-labelledby="failures-title">
        <h2 id="failures-title">Recent failures</h2>
        {failures.length === 0 ? (
          <p className="muted">No failed runs recently.</p>
        ) : (
          <ul className="failure-list">
            {failures.slice(0, 8).map((run) => (
              <li key={run.id}>
                <Link to={`/runs/${run.id}`}>
                  <Time at={run.finished_at ?? run.created_at} zone={zone} />
                </Link>{' '}
                <code>{run.job_type}</code>
                {run.error_message ? <div className="muted clip">{run.error_message}</div> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

const CHART_W = 300;
const CHART_H = 80;

function DailyBars({ days }: { days: Day[] }) {
  const max = Math.max(1, ...days.map((day) => day.completed + day.failed));
  const slot = CHART_W / Math.max(days.length, 1);
  const totals = days.reduce((sum, day) => ({ completed: sum.completed + day.completed, failed: sum.failed + day.failed }), { completed: 0, failed: 0 });
  const rate = totals.completed + totals.failed === 0 ? null : totals.completed / (totals.completed + totals.failed);
  return (
    <>
      <svg className="chart day-bars" viewBox={`0 0 ${CHART_W} ${CHART_H}`} preserveAspectRatio="none" role="img" aria-label={`Last 30 days: ${totals.completed} completed, ${totals.failed} failed, success rate ${formatPercent(rate)}`}>
        <line className="axis" x1="0" x2={CHART_W} y1={CHART_H - 0.5} y2={CHART_H - 0.5} />
        {days.map((day, index) => {
          const okH = (day.completed / max) * (CHART_H - 1);
          const failH = (day.failed / max) * (CHART_H - 1);
          const x = index * slot + 1;
          return (
            <g key={day.day}>
              <title>{`${day.day}: ${day.completed} completed, ${day.failed} failed`}</title>
              <rect className="bar-hit" x={index * slot} width={slot} y="0" height={CHART_H} />
              {okH > 0 ? <rect className="bar-ok" x={x} width={slot - 2} y={CHART_H - 1 - okH} height={okH} /> : null}
              {failH > 0 ? <rect className="bar-failed" x={x} width={slot - 2} y={CHART_H - 1 - okH - failH} height={failH} /> : null}
            </g>
          );
        })}
      </svg>
      <div className="day-range muted" aria-hidden="true">
        <span>{days[0]?.day}</span>
        <span>{days.at(-1)?.day}</span>
      </div>
      <div className="legend">
        <span className="legend-ok">completed ({totals.completed})</span>
        <span className="legend-failed">failed ({totals.failed})</span>
        <span>success rate {formatPercent(rate)}</span>
      </div>
      <details className="day-table">
        <summary>As a table</summary>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col" className="num">Completed</th>
                <th scope="col" className="num">Failed</th>
                <th scope="col" className="num">Success rate</th>
                <th scope="col" className="num">p50</th>
              </tr>
            </thead>
            <tbody>
              {days.filter((day) => day.completed + day.failed + day.cancelled + day.skipped > 0).map((day) => (
                <tr key={day.day}>
                  <td>{day.day}</td>
                  <td className="num">{day.completed}</td>
                  <td className="num">{day.failed}</td>
                  <td className="num">{formatPercent(day.success_rate)}</td>
                  <td className="num">{formatDuration(day.p50_duration_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}

export function LastRuns({ history, zone }: { history: Resource<PageWire<JobRunWire>>; zone: string }) {
  if (history.loading) return <Loading label="Loading runs…" height="10rem" />;
  if (!history.data) return history.error ? <ErrorState error={history.error} onRetry={history.reload} /> : null;
  if (history.data.items.length === 0) return <EmptyState title="No runs yet">It runs at its next slot, or now with Run now.</EmptyState>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Job type</th>
            <th scope="col">Trigger</th>
            <th scope="col">Slot</th>
            <th scope="col">Started</th>
            <th scope="col" className="num">Duration</th>
            <th scope="col" className="num">Attempt</th>
          </tr>
        </thead>
        <tbody>
          {history.data.items.map((run) => (
            <tr key={run.id}>
              <td>
                <Link to={`/runs/${run.id}`} className="mono" aria-label={`Run ${run.id}`}>
                  {shortId(run.id)}
                </Link>
              </td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td>
                <code>{run.job_type}</code>
              </td>
              <td>{run.trigger.replace('_', ' ')}</td>
              <td className="nowrap">
                <Time at={run.scheduled_for} zone={zone} />
              </td>
              <td className="nowrap">
                <Time at={run.started_at} zone={zone} />
              </td>
              <td className="num">{formatDuration(durationBetween(run.started_at, run.finished_at))}</td>
              <td className="num">
                {run.attempt}/{run.max_attempts}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
