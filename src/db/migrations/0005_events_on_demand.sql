-- Live change events only while someone streams them. An API process with `GET /events`
-- clients keeps a row in `event_subscribers` (renewed before `expires_at`, deleted when its
-- last client leaves); the change-event triggers fire only while a live row exists. Without
-- one, a statement that writes runs or schedules skips the trigger function, its JSON and its
-- NOTIFY: the NOTIFY alone woke every listening server process of the database (the workers'
-- included) at each claim and each outcome. From enqueue to handler start on an idle worker,
-- about 0.25 ms of 3.2 (p50) on a 2-core machine.
--
-- A row of a process that died expires by itself; the next registration deletes it.

create table {{schema}}.event_subscribers (
  id uuid primary key,
  expires_at timestamptz not null
);
-- Not for speed (the table holds a row per API process with clients): the scheduler's tick runs
-- with sequential scans off (`db/pg.ts`, generic plans), and without an index the lookup below
-- was costed as a disabled scan, high enough for JIT compilation: 25 ms per statement.
create index event_subscribers_expires_idx on {{schema}}.event_subscribers (expires_at);

-- PL/pgSQL, not SQL: a SQL function would be inlined into the trigger's WHEN condition, which
-- may hold no subquery.
create function {{schema}}.events_wanted() returns boolean
language plpgsql stable
as $$
begin
  return exists (select from {{schema}}.event_subscribers where expires_at > now());
end
$$;

drop trigger job_runs_inserted on {{schema}}.job_runs;
create trigger job_runs_inserted after insert on {{schema}}.job_runs
  referencing new table as inserted
  for each statement when ({{schema}}.events_wanted()) execute function {{schema}}.notify_run_inserts();
drop trigger job_runs_updated on {{schema}}.job_runs;
create trigger job_runs_updated after update on {{schema}}.job_runs
  referencing old table as previous new table as updated
  for each statement when ({{schema}}.events_wanted()) execute function {{schema}}.notify_run_updates();

drop trigger scheduled_jobs_inserted on {{schema}}.scheduled_jobs;
create trigger scheduled_jobs_inserted after insert on {{schema}}.scheduled_jobs
  referencing new table as inserted
  for each statement when ({{schema}}.events_wanted()) execute function {{schema}}.notify_schedule_changes();
drop trigger scheduled_jobs_updated on {{schema}}.scheduled_jobs;
create trigger scheduled_jobs_updated after update on {{schema}}.scheduled_jobs
  referencing old table as previous new table as updated
  for each statement when ({{schema}}.events_wanted()) execute function {{schema}}.notify_schedule_changes();
drop trigger scheduled_jobs_deleted on {{schema}}.scheduled_jobs;
create trigger scheduled_jobs_deleted after delete on {{schema}}.scheduled_jobs
  referencing old table as previous
  for each statement when ({{schema}}.events_wanted()) execute function {{schema}}.notify_schedule_changes();
