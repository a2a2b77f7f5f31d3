-- Live change events for the admin API's `GET /events` (SPEC §6). Every statement that
-- creates runs, changes their status, or creates, changes or deletes schedules sends NOTIFY on
-- the channel `hourglass_<schema>_events`, whatever process or path made the change, so every
-- API process streams what the whole cluster does.
--
-- The triggers are per statement (transition tables), so a tick that fires 500 schedules costs
-- a handful of notifications, not 500. A payload holds at most 20 rows (NOTIFY payloads are
-- limited to 8000 bytes); a statement touching more than 200 rows sends one `bulk` summary
-- instead, which tells listeners to reload. The triggers only report; they decide nothing.

-- Params: the schema (for the channel), the entity (`run` | `schedule`), one JSON object per
-- changed row.
create function {{schema}}.send_change_events(schema_name text, entity text, changes json[])
returns void
language plpgsql
as $$
declare
  channel text := 'hourglass_' || schema_name || '_events';
begin
  if cardinality(changes) > 200 then
    perform pg_notify(channel, json_build_object('entity', entity, 'bulk', cardinality(changes))::text);
  else
    perform pg_notify(channel, json_build_object('entity', entity, 'rows', json_agg(c.change order by c.position))::text)
    from unnest(changes) with ordinality as c(change, position)
    group by (c.position - 1) / 20;
  end if;
end
$$;

create function {{schema}}.notify_run_inserts() returns trigger
language plpgsql
as $$
begin
  perform {{schema}}.send_change_events(tg_table_schema, 'run', array(
    select json_build_object(
      'id', r.id, 'status', r.status, 'previous_status', null, 'tenant_id', r.tenant_id,
      'job_type', r.job_type, 'scheduled_job_id', r.scheduled_job_id, 'batch_id', r.batch_id)
    from inserted r));
  return null;
end
$$;

-- Only status changes are reported: lease renewals and log writes stay silent.
create function {{schema}}.notify_run_updates() returns trigger
language plpgsql
as $$
begin
  perform {{schema}}.send_change_events(tg_table_schema, 'run', array(
    select json_build_object(
      'id', r.id, 'status', r.status, 'previous_status', p.status, 'tenant_id', r.tenant_id,
      'job_type', r.job_type, 'scheduled_job_id', r.scheduled_job_id, 'batch_id', r.batch_id)
    from updated r
    join previous p on p.id = r.id
    where r.status is distinct from p.status));
  return null;
end
$$;

create trigger job_runs_inserted after insert on {{schema}}.job_runs
  referencing new table as inserted
  for each statement execute function {{schema}}.notify_run_inserts();
create trigger job_runs_updated after update on {{schema}}.job_runs
  referencing old table as previous new table as updated
  for each statement execute function {{schema}}.notify_run_updates();

create function {{schema}}.notify_schedule_changes() returns trigger
language plpgsql
as $$
begin
  if tg_op = 'INSERT' then
    perform {{schema}}.send_change_events(tg_table_schema, 'schedule', array(
      select json_build_object('id', s.id, 'change', 'created', 'status', s.status, 'previous_status', null, 'tenant_id', s.tenant_id)
      from inserted s));
  elsif tg_op = 'UPDATE' then
    perform {{schema}}.send_change_events(tg_table_schema, 'schedule', array(
      select json_build_object('id', s.id, 'change', 'updated', 'status', s.status, 'previous_status', p.status, 'tenant_id', s.tenant_id)
      from updated s
      join previous p on p.id = s.id));
  else
    perform {{schema}}.send_change_events(tg_table_schema, 'schedule', array(
      select json_build_object('id', p.id, 'change', 'deleted', 'status', p.status, 'previous_status', p.status, 'tenant_id', p.tenant_id)
      from previous p));
  end if;
  return null;
end
$$;

create trigger scheduled_jobs_inserted after insert on {{schema}}.scheduled_jobs
  referencing new table as inserted
  for each statement execute function {{schema}}.notify_schedule_changes();
create trigger scheduled_jobs_updated after update on {{schema}}.scheduled_jobs
  referencing old table as previous new table as updated
  for each statement execute function {{schema}}.notify_schedule_changes();
create trigger scheduled_jobs_deleted after delete on {{schema}}.scheduled_jobs
  referencing old table as previous
  for each statement execute function {{schema}}.notify_schedule_changes();

-- Audit log filters: one entity's history, and one actor's changes.
create index audit_log_entity_idx on {{schema}}.audit_log (entity_id, at desc);
create index audit_log_actor_idx on {{schema}}.audit_log (actor, at desc);

-- When a schedule last let a slot go unfired under its missed-run policy (the dashboard's
-- "missed" list; `missed_count` alone cannot say when).
alter table {{schema}}.scheduled_jobs add column last_missed_at timestamptz;

-- The dashboard's windows on finished runs (the last 24 h, the last 30 days), for all runs and
-- for one schedule's stats. Unfinished runs have no `finished_at` and stay out of both.
create index job_runs_finished_idx on {{schema}}.job_runs (finished_at)
  where finished_at is not null;
create index job_runs_schedule_finished_idx on {{schema}}.job_runs (scheduled_job_id, finished_at)
  where finished_at is not null;
