-- Notifications (issue 6): one delivery per incident and channel, the notifier's watermarks
-- and its open incidents (what a recovery message closes).

alter table {{schema}}.notification_deliveries add column incident_key text;
-- One message per incident and channel, whichever process detects it.
create unique index notification_deliveries_incident_uidx
  on {{schema}}.notification_deliveries (incident_key, channel) where incident_key is not null;
-- The delivery loop's scan: due pending deliveries.
create index notification_deliveries_due_idx
  on {{schema}}.notification_deliveries (next_attempt_at) where status = 'pending';
-- The API's recent-first list.
create index notification_deliveries_created_idx
  on {{schema}}.notification_deliveries (created_at desc, id desc);

-- Per rule: facts up to this instant have been considered (time-ordered facts: failed runs,
-- missed slots).
create table {{schema}}.notification_watermarks (
  rule text primary key,
  watermark timestamptz not null
);

-- Per rule and subject (schedule, run or worker id): an incident reported and not yet over.
create table {{schema}}.notification_incidents (
  rule text not null,
  subject text not null,
  opened_at timestamptz not null default now(),
  primary key (rule, subject)
);

-- The run_failed rule's scan: failed runs by finish time.
create index job_runs_failed_finished_idx on {{schema}}.job_runs (finished_at) where status = 'failed';
