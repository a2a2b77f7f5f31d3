/**
 * `#/schedules`: every schedule the token may see, filtered (the filters live in the address,
 * so a filtered list can be shared), with its target, timing, status switch, next and last
 * run, last status, success rate and the steering actions. Reloads live (throttled) on
 * schedule and run events; more rows come page by page with the API's cursor.
 */
import type { ScheduledJobWire } from '../../../src/api/wire.js';
import { queryString } from '../api/client.js';
import { formatPercent } from '../format.js';
import { useDebounced, usePages, useThrottled, type Pages } from '../hooks.js';
import { useLiveEvents } from '../live.js';
import { Can, useCan, useMe } from '../me.js';
import { Link, navigate, useRoute } from '../router.js';
import { ActiveSwitch, ScheduleActions } from '../components/ScheduleActions.js';
import { EmptyState, ErrorState, Loading } from '../components/States.js';
import { Pager } from '../components/Pager.js';
import { StatusBadge } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { computeSuccessRate, TargetText, TimingText } from './schedule-cells.js';
import './schedules.css';

const FILTER_KEYS = ['search', 'status', 'source', 'job_type', 'tenant_id'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filters = Record<FilterKey, string>;

export function Schedules() {
  const route = useRoute();
  const me = useMe();
  const filters = Object.fromEntries(FILTER_KEYS.map((key) => [key, route.query.get(key) ?? ''])) as Filters;
  const setFilter = (key: FilterKey, value: string) => navigate('/schedules', { ...filters, [key]: value }, true);
  const filtered = FILTER_KEYS.some((key) => filters[key] !== '');
  const path = useDebounced(`/scheduled-jobs${queryString(filters)}`, 250);
  const list = usePages<ScheduledJobWire>(path);
  const reload = useThrottled(list.reload, 1000);
  useLiveEvents(['schedule', 'run'], reload);

  return (
    <section>
      <div className="page-header">
        <h1>Schedules</h1>
        <Can role="admin">
          <Link to="/schedules/new" className="button primary">
            New schedule
          </Link>
        </Can>
      </div>
      <form className="filters" role="search" aria-label="Filter schedules" onSubmit={(event) => event.preventDefault()}>
        <div>
          <label htmlFor="filter-search">Search</label>
          <input id="filter-search" type="search" value={filters.search} placeholder="Name or key" onChange={(event) => setFilter('search', event.target.value)} />
        </div>
        <div>
          <label htmlFor="filter-status">Status</label>
          <select id="filter-status" value={filters.status} onChange={(event) => setFilter('status', event.target.value)}>
            <option value="">All</option>
            <option value="active">active</option>
            <option value="paused">paused</option>
            <option value="inactive">inactive</option>
          </select>
        </div>
        <div>
          <label htmlFor="filter-source">Source</label>
          <select id="filter-source" value={filters.source} onChange={(event) => setFilter('source', event.target.value)}>
            <option value="">All</option>
            <option value="code">code</option>
            <option value="api">api</option>
            <option value="import">import</option>
          </select>
        </div>
        <div>
          <label htmlFor="filter-job-type">Job type</label>
          <input id="filter-job-type" value={filters.job_type} onChange={(event) => setFilter('job_type', event.target.value)} />
        </div>
        {me.tenant_id === null ? (
          <div>
            <label htmlFor="filter-tenant">Tenant</label>
            <input id="filter-tenant" value={filters.tenant_id} onChange={(event) => setFilter('tenant_id', event.target.value)} />
          </div>
        ) : null}
      </form>
      <ScheduleList list={list} filtered={filtered} onChanged={list.reload} />
    </section>
  );
}

function ScheduleList({ list, filtered, onChanged }: { list: Pages<ScheduledJobWire>; filtered: boolean; onChanged: () => void }) {
  const canOperate = useCan('operator');
  if (list.loading) return <Loading label="Loading schedules…" height="16rem" />;
  if (list.error && list.items.length === 0) return <ErrorState error={list.error} onRetry={list.reload} />;
  if (list.items.length === 0) {
    return filtered ? (
      <EmptyState title="No schedule matches these filters">
        <button type="button" className="link" onClick={() => navigate('/schedules', {}, true)}>
          Clear the filters
        </button>
      </EmptyState>
    ) : (
      <EmptyState title="No schedules yet">
        <p>
          Define one in code with <code>defineSchedule</code>, import them with <code>hourglass import</code>
          <Can role="admin">
            , or <Link to="/schedules/new">create one here</Link>
          </Can>
          .
        </p>
      </EmptyState>
    );
  }
  return (
    <>
      {list.error ? <ErrorState error={list.error} onRetry={list.reload} /> : null}
      <div className="table-wrap">
        <table className="schedules-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Target</th>
              <th scope="col">Schedule</th>
              <th scope="col">Zone</th>
              <th scope="col">Active</th>
              <th scope="col">Next run</th>
              <th scope="col">Last run</th>
              <th scope="col">Last status</th>
              <th scope="col" className="num">
                Success rate
              </th>
              {canOperate ? <th scope="col">Actions</th> : null}
            </tr>
          </thead>
          <tbody>
            {list.items.map((schedule) => (
              <ScheduleRow key={schedule.id} schedule={schedule} onChanged={onChanged} showActions={canOperate} />
            ))}
          </tbody>
        </table>
      </div>
      <Pager summary={list.items.length === 1 ? '1 schedule' : `${list.items.length} schedules`} hasMore={list.hasMore} loadingMore={list.loadingMore} onLoadMore={list.loadMore} />
    </>
  );
}

function ScheduleRow({ schedule, onChanged, showActions }: { schedule: ScheduledJobWire; onChanged: () => void; showActions: boolean }) {
  return (
    <tr>
      <td className="schedule-name">
        <Link to={`/schedules/${schedule.id}`}>{schedule.name}</Link>
        <div className="muted small-text">
          {schedule.key ?? 'no key'}
          {schedule.source === 'code' ? ' · code' : schedule.source === 'import' ? ' · import' : ''}
          {schedule.tenant_id ? ` · ${schedule.tenant_id}` : ''}
        </div>
      </td>
      <td className="schedule-target">
        <TargetText schedule={schedule} />
      </td>
      <td className="schedule-timing">
        <TimingText schedule={schedule} />
      </td>
      <td>
        <ZoneName zone={schedule.timezone} />
      </td>
      <td className="nowrap">
        <ActiveSwitch schedule={schedule} onChanged={onChanged} />
      </td>
      <td className="nowrap">
        <Time at={schedule.next_run_at} zone={schedule.timezone} />
      </td>
      <td className="nowrap">
        <Time at={schedule.last_run_at} zone={schedule.timezone} />
      </td>
      <td>{schedule.last_run_id ? <Link to={`/runs/${schedule.last_run_id}`} aria-label={`Last run of ${schedule.name}: ${schedule.last_status ?? 'unknown'}`}><StatusBadge status={schedule.last_status} /></Link> : <StatusBadge status={schedule.last_status} />}</td>
      <td className="num" title={`${schedule.success_count} succeeded, ${schedule.failure_count} failed`}>
        {formatPercent(computeSuccessRate(schedule))}
      </td>
      {showActions ? (
        <td>
          <ScheduleActions schedule={schedule} onChanged={onChanged} compact />
        </td>
      ) : null}
    </tr>
  );
}

/** `America/New_York` with a line-break opportunity after each slash, so the column stays narrow. */
function ZoneName({ zone }: { zone: string }) {
  const parts = zone.split('/');
  return (
    <span>
      {parts.map((part, index) => (
        <span key={index}>
          {part}
          {index < parts.length - 1 ? (
            <>
              /<wbr />
            </>
          ) : null}
        </span>
      ))}
    </span>
  );
}
