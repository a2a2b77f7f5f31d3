/**
 * `#/schedules/new` and `#/schedules/<id or key>`. New: the empty form (admins). Existing: the
 * schedule's name, status and actions, its counters and last 30 days, its last runs, and its
 * definition below (editable by admins unless code-defined). Everything reloads live
 * (throttled) on events about this schedule and its runs.
 */
import type { JobRunWire, PageWire, ScheduledJobWire, ScheduleStatsWire } from '../../../src/api/wire.js';
import { useResource, useThrottled } from '../hooks.js';
import { useLiveEvents } from '../live.js';
import { Can, useCan } from '../me.js';
import { Link, navigate } from '../router.js';
import { ActiveSwitch, ScheduleActions } from '../components/ScheduleActions.js';
import { ErrorState, Loading } from '../components/States.js';
import { StatusBadge } from '../components/Status.js';
import { Time } from '../components/Time.js';
import { useToast } from '../components/Toast.js';
import { TargetText, TimingText } from './schedule-cells.js';
import { ScheduleEditor } from './schedule-editor.js';
import { LastRuns, ScheduleActivity, ScheduleCounters } from './schedule-stats.js';
import './schedules.css';

export function ScheduleForm({ id }: { id: string | null }) {
  return id === null ? <NewSchedule /> : <ExistingSchedule key={id} id={id} />;
}

function BackLink() {
  return (
    <p className="back">
      <Link to="/schedules">← Schedules</Link>
    </p>
  );
}

function NewSchedule() {
  const canAdmin = useCan('admin');
  const toast = useToast();
  return (
    <section>
      <BackLink />
      <div className="page-header">
        <h1>New schedule</h1>
      </div>
      {canAdmin ? (
        <ScheduleEditor
          schedule={null}
          onSaved={(created) => {
            toast('ok', 'Schedule created');
            navigate(`/schedules/${created.id}`);
          }}
        />
      ) : (
        <div className="state state-error" role="alert">
          <strong>Not allowed</strong>
          <p>Only admin tokens can create schedules.</p>
        </div>
      )}
    </section>
  );
}

function ExistingSchedule({ id }: { id: string }) {
  const toast = useToast();
  const base = `/scheduled-jobs/${encodeURIComponent(id)}`;
  const schedule = useResource<ScheduledJobWire>(base);
  const stats = useResource<ScheduleStatsWire>(`${base}/stats`);
  const history = useResource<PageWire<JobRunWire>>(`${base}/history?limit=20`);
  const reloadAll = () => {
    schedule.reload();
    stats.reload();
    history.reload();
  };
  const reloadLive = useThrottled(reloadAll, 1000);
  const scheduleId = schedule.data?.id;
  useLiveEvents(['schedule', 'run'], (event) => {
    if (event.type.endsWith('bulk_changed') || (scheduleId && (event.id === scheduleId || event.scheduled_job_id === scheduleId))) reloadLive();
  });

  if (schedule.loading) return <Loading label="Loading the schedule…" height="24rem" />;
  if (!schedule.data || schedule.error?.status === 404) {
    return (
      <section>
        <BackLink />
        {schedule.error ? <ErrorState error={schedule.error} onRetry={schedule.reload} /> : null}
      </section>
    );
  }
  const current = schedule.data;
  return (
    <section>
      <BackLink />
      <div className="page-header">
        <div className="title-line">
          <h1>{current.name}</h1>
          <StatusBadge status={current.status} />
        </div>
        <div className="actions">
          <Can role="operator">
            <ActiveSwitch schedule={current} onChanged={reloadAll} />
          </Can>
          <ScheduleActions
            schedule={current}
            onChanged={reloadAll}
            onDeleted={() => {
              navigate('/schedules');
            }}
          />
        </div>
      </div>
      {current.description ? <p className="schedule-description">{current.description}</p> : null}
      {schedule.error ? <ErrorState error={schedule.error} onRetry={schedule.reload} /> : null}
      <dl className="fields schedule-summary">
        <dt>Key</dt>
        <dd>{current.key ? <code>{current.key}</code> : <span className="muted">none</span>}</dd>
        <dt>Target</dt>
        <dd>
          <TargetText schedule={current} />
        </dd>
        <dt>Schedule</dt>
        <dd>
          <TimingText schedule={current} /> <span className="muted">({current.timezone})</span>
        </dd>
        <dt>Next run</dt>
        <dd>
          <Time at={current.next_run_at} zone={current.timezone} exact />
        </dd>
        <dt>Last run</dt>
        <dd>
          <Time at={current.last_run_at} zone={current.timezone} /> {current.last_status ? <StatusBadge status={current.last_status} /> : null}
          {current.last_error ? <div className="muted clip">{current.last_error}</div> : null}
        </dd>
        {current.status === 'paused' ? (
          <>
            <dt>Paused</dt>
            <dd>
              {current.pause_note ?? 'no note'}
              {current.paused_until ? (
                <>
                  {' '}
                  · resumes <Time at={current.paused_until} zone={current.timezone} />
                </>
              ) : null}
            </dd>
          </>
        ) : null}
        <dt>Source</dt>
        <dd>
          {current.source}
          {current.tenant_id ? ` · tenant ${current.tenant_id}` : ''} · version {current.version}
        </dd>
      </dl>
      <h2>Statistics</h2>
      <ScheduleCounters schedule={current} stats={stats.data} />
      <ScheduleActivity stats={stats} zone={current.timezone} />
      <h2>Last runs</h2>
      <LastRuns history={history} zone={current.timezone} />
      <h2>Definition</h2>
      <ScheduleEditor
        key={current.id}
        schedule={current}
        onSaved={() => {
          toast('ok', 'Changes saved');
          reloadAll();
        }}
      />
    </section>
  );
}
