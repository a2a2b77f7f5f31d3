-- Cheaper writes of runs on the hot paths (enqueue, claim, end).
--
-- Live change events: a statement that changes more than 50 runs now sends one `bulk`
-- summary (was 200), and decides so by counting the changed rows before building any JSON
-- (0002 built one object per row first: 20,000 of them for a bulk enqueue of 20,000 runs, only
-- to throw them away). Building and sending the rows of a 200-run claim cost about as much as
-- the claim's own update (3.6 ms of 8 ms); a busy worker's claims and outcome batches are
-- exactly such statements, and listeners reload on `bulk` anyway. Smaller statements report
-- their rows as before.

create or replace function {{schema}}.notify_run_inserts() returns trigger
language plpgsql
as $$
declare
  changed integer := (select count(*) from inserted);
begin
  if changed > 50 then
    perform pg_notify('hourglass_' || tg_table_schema || '_events', json_build_object('entity', 'run', 'bulk', changed)::text);
    return null;
  end if;
  perform {{schema}}.send_change_events(tg_table_schema, 'run', array(
    select json_build_object(
      'id', r.id, 'status', r.status, 'previous_status', null, 'tenant_id', r.tenant_id,
      'job_type', r.job_type, 'scheduled_job_id', r.scheduled_job_id, 'batch_id', r.batch_id)
    from inserted r));
  return null;
end
$$;

create or replace function {{schema}}.notify_run_updates() returns trigger
language plpgsql
as $$
declare
  changed integer := (select count(*) from updated);
begin
  if changed > 50 then
    perform pg_notify('hourglass_' || tg_table_schema || '_events', json_build_object('entity', 'run', 'bulk', changed)::text);
    return null;
  end if;
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

-- Runs without a schedule (enqueued one-offs) and without dependencies stay out of the indexes
-- that only schedules and batches use: every version of such a run (insert, claim, end) then
-- writes three index entries instead of six. Queries on these indexes name the same
-- conditions (`scheduled_job_id is not null`, `depends_on <> '{}'`).
drop index {{schema}}.job_runs_schedule_idx;
create index job_runs_schedule_idx on {{schema}}.job_runs (scheduled_job_id, created_at desc)
  where scheduled_job_id is not null;
drop index {{schema}}.job_runs_schedule_finished_idx;
create index job_runs_schedule_finished_idx on {{schema}}.job_runs (scheduled_job_id, finished_at)
  where finished_at is not null and scheduled_job_id is not null;
drop index {{schema}}.job_runs_depends_on_idx;
create index job_runs_depends_on_idx on {{schema}}.job_runs using gin (depends_on)
  where status = 'pending' and depends_on <> '{}';

-- The scheduler's overlap check reads the active (pending or running) runs of the schedules it
-- fires. Through job_runs_schedule_idx it visited every run a schedule ever kept (retention keeps
-- 100 per schedule), to discard the finished ones: 149 ms per 1,000 schedules with 20 finished
-- runs each. Only active runs of schedules are in this index, so it stays small, and enqueued
-- runs never write to it.
create index job_runs_active_idx on {{schema}}.job_runs (scheduled_job_id)
  where status in ('pending', 'running') and scheduled_job_id is not null;

-- Schedule change events stay cheap for big statements, as above for runs: a statement that
-- touches more than 200 schedules sends one `bulk` summary, decided by counting first. Besides
-- the JSON it no longer builds, this skips the join of `updated` with `previous`: PL/pgSQL keeps
-- the plan of a trigger's first call, which is usually an empty statement (the scheduler's
-- resume step fires the trigger every tick), so the join stays a nested loop, quadratic in the
-- rows: 15.6 s for a tick that advanced 10,000 schedules. At most 200 rows it costs < 3 ms.

create or replace function {{schema}}.notify_schedule_changes() returns trigger
language plpgsql
as $$
declare
  changed integer;
begin
  if tg_op = 'INSERT' then
    changed := (select count(*) from inserted);
  elsif tg_op = 'UPDATE' then
    changed := (select count(*) from updated);
  else
    changed := (select count(*) from previous);
  end if;
  if changed > 200 then
    perform pg_notify('hourglass_' || tg_table_schema || '_events', json_build_object('entity', 'schedule', 'bulk', changed)::text);
    return null;
  end if;
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
