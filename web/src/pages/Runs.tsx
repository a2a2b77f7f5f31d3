/**
 * `#/runs`: every run the token can see, newest first, filtered by status, job type, schedule,
 * tenant, trigger and time range (kept in the address). The first page follows live events, so
 * new runs appear and statuses change without a click; older pages load on demand. Operators
 * can enqueue a one-off run from here.
 */
import type { JobTypesWire, PageWire, ScheduledJobWire } from '../../../src/api/wire.js';
import { queryString } from '../api/client.js';
import { useDebounced, useResource, useThrottled } from '../hooks.js';
import { useLiveEvents } from '../live.js';
import { Can } from '../me.js';
import { navigate, useRoute } from '../router.js';
import { EmptyState, ErrorState, Loading } from '../components/States.js';
import { Pager } from '../components/Pager.js';
import { EnqueueRunButton } from './run-enqueue.js';
import { hasRunFilters, readRunFilters, resolveScheduleId, RunFilters, toRouteQuery, type RunFilterValues } from './run-filters.js';
import { useRunList, type RunList } from './run-list.js';
import { RunTable } from './run-table.js';
import './runs.css';

/** Typed filters reach the API once typing pauses. */
const TYPING_MS = 300;
const LIVE_RELOAD_MS = 500;

export function Runs() {
  const route = useRoute();
  const values = readRunFilters(route.query);
  const jobTypes = useResource<JobTypesWire>('/job-types');
  const schedules = useResource<PageWire<ScheduledJobWire>>('/scheduled-jobs?limit=500');

  const scheduleText = useDebounced(values.schedule, TYPING_MS);
  const tenant = useDebounced(values.tenant.trim(), TYPING_MS);
  const scheduleId = resolveScheduleId(scheduleText, schedules.error ? [] : schedules.data?.items);
  const scheduleError = scheduleId === null ? 'No schedule has this id, key or name.' : null;
  const query =
    scheduleId === null || scheduleId === undefined
      ? null
      : queryString({ status: values.status, job_type: values.jobType, scheduled_job_id: scheduleId, tenant_id: tenant, trigger: values.trigger, since: values.since, until: values.until });

  const list = useRunList(query);
  const reloadSoon = useThrottled(list.reload, LIVE_RELOAD_MS);
  useLiveEvents(['run'], reloadSoon);

  const change = (patch: Partial<RunFilterValues>) => navigate('/runs', toRouteQuery({ ...values, ...patch }), true);
  const jobTypeNames = (jobTypes.data?.items ?? []).map((type) => type.name).sort();

  return (
    <section>
      <div className="page-header">
        <h1>Runs</h1>
        <Can role="operator">
          <div className="actions">
            <EnqueueRunButton jobTypes={[...(jobTypes.data?.items ?? [])].sort((a, b) => a.name.localeCompare(b.name))} suggested={values.jobType} />
          </div>
        </Can>
      </div>
      <RunFilters values={values} onChange={change} jobTypes={jobTypeNames} schedules={schedules.data?.items} scheduleError={scheduleError} />
      <RunResults list={list} filtered={hasRunFilters(values)} scheduleError={scheduleError} />
    </section>
  );
}

function RunResults({ list, filtered, scheduleError }: { list: RunList; filtered: boolean; scheduleError: string | null }) {
  if (scheduleError) {
    return <EmptyState title="No runs match these filters"><span id="runs-schedule-error">{scheduleError}</span> Pick a schedule from the suggestions, or paste its id.</EmptyState>;
  }
  if (list.loading) return <Loading label="Loading runs…" height="20rem" />;
  if (list.error && !list.hasData) return <ErrorState error={list.error} onRetry={list.reload} />;
  if (list.runs.length === 0 && !list.stale) {
    return filtered ? (
      <EmptyState title="No runs match these filters">Change or clear the filters to see more runs.</EmptyState>
    ) : (
      <EmptyState title="No runs yet">Runs appear here as schedules fire, or when an operator enqueues one.</EmptyState>
    );
  }
  return (
    <>
      {list.error ? (
        <p className="field-error" role="alert">
          Could not refresh the runs: {list.error.message}{' '}
          <button type="button" className="link" onClick={list.reload}>
            Try again
          </button>
        </p>
      ) : null}
      <div className={list.stale ? 'runs-stale' : undefined} aria-busy={list.stale || undefined}>
        <RunTable runs={list.runs} caption="Runs" />
      </div>
      <Pager summary={`${list.runs.length} ${list.runs.length === 1 ? 'run' : 'runs'} shown${list.hasMore ? '' : ', no more'}`} hasMore={list.hasMore} loadingMore={list.loadingMore} onLoadMore={list.loadMore} />
    </>
  );
}
