-- Hourglass data model (SPEC §2). `{{schema}}` is replaced by the quoted schema name.
-- Status and enumeration columns are text with check constraints, not PostgreSQL enums, so a
-- later migration can add a value inside a transaction.

create table {{schema}}.scheduled_jobs (
  id uuid primary key default gen_random_uuid(),
  key text unique,
  name text not null,
  description text,
  tenant_id text,
  source text not null default 'api' check (source in ('code', 'api', 'import')),
  source_ref text,
  execution_mode text not null check (execution_mode in ('single_job', 'group', 'all_jobs', 'custom')),
  job_type text,
  job_group text,
  job_types text[],
  payload jsonb not null default '{}',
  metadata jsonb not null default '{}',
  schedule_type text not null check (schedule_type in ('cron', 'interval', 'once')),
  cron_expression text,
  timezone text not null default 'UTC',
  interval_seconds integer check (interval_seconds > 0),
  run_at timestamptz,
  status text not null default 'active' check (status in ('active', 'paused', 'inactive')),
  paused_until timestamptz,
  pause_note text,
  missed_run_policy text not null default 'skip' check (missed_run_policy in ('skip', 'run_once', 'catch_up')),
  catch_up_window_seconds integer not null default 86400 check (catch_up_window_seconds >= 0),
  overlap_policy text not null default 'skip' check (overlap_policy in ('allow', 'skip', 'queue', 'replace')),
  dst_gap text not null default 'shift' check (dst_gap in ('shift', 'skip')),
  dst_overlap text not null default 'first' check (dst_overlap in ('first', 'last', 'both')),
  exclusions jsonb not null default '[]',
  pause_after_failures integer check (pause_after_failures > 0),
  max_attempts integer check (max_attempts > 0),
  timeout_seconds integer check (timeout_seconds > 0),
  priority integer not null default 0,
  jitter_seconds integer not null default 0 check (jitter_seconds >= 0),
  next_run_at timestamptz,
  last_run_at timestamptz,
  last_run_id uuid,
  last_status text,
  last_error text,
  run_count integer not null default 0,
  success_count integer not null default 0,
  failure_count integer not null default 0,
  consecutive_failures integer not null default 0,
  skipped_count integer not null default 0,
  missed_count integer not null default 0,
  suppressed_count integer not null default 0,
  created_by text,
  updated_by text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  check (
    (execution_mode = 'single_job' and job_type is not null)
    or (execution_mode = 'group' and job_group is not null)
    or (execution_mode = 'custom' and cardinality(job_types) > 0)
    or execution_mode = 'all_jobs'
  ),
  check (
    (schedule_type = 'cron' and cron_expression is not null)
    or (schedule_type = 'interval' and interval_seconds is not null)
    or (schedule_type = 'once' and run_at is not null)
  )
);

-- The scheduler's only scan: active schedules by due time.
create index scheduled_jobs_due_idx on {{schema}}.scheduled_jobs (next_run_at)
  where status = 'active';
-- Paused schedules that resume by themselves.
create index scheduled_jobs_paused_until_idx on {{schema}}.scheduled_jobs (paused_until)
  where status = 'paused' and paused_until is not null;
create index scheduled_jobs_tenant_idx on {{schema}}.scheduled_jobs (tenant_id);

create table {{schema}}.job_runs (
  id uuid primary key default gen_random_uuid(),
  scheduled_job_id uuid references {{schema}}.scheduled_jobs (id) on delete set null,
  schedule_name text,
  batch_id uuid,
  tenant_id text,
  job_type text not null,
  trigger text not null check (trigger in ('cron', 'manual', 'api', 'retry', 'catch_up', 'backfill', 'event')),
  status text not null default 'pending'
    check (status in ('pending', 'running', 'completed', 'failed', 'cancelled', 'skipped')),
  priority integer not null default 0,
  payload jsonb not null default '{}',
  scheduled_for timestamptz,
  run_after timestamptz not null default now(),
  attempt integer not null default 0,
  max_attempts integer not null default 3 check (max_attempts > 0),
  timeout_seconds integer check (timeout_seconds > 0),
  depends_on uuid[] not null default '{}',
  -- Runs that must finish first whatever their outcome (overlap policy `queue`).
  waits_for uuid[] not null default '{}',
  retry_of uuid,
  worker_id uuid,
  lease_expires_at timestamptz,
  cancel_requested_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  error_message text,
  metrics jsonb not null default '{}',
  result jsonb,
  metadata jsonb not null default '{}',
  created_by text,
  created_at timestamptz not null default now()
);

-- One run per slot and job type for slot-fired runs: a second firing of the same slot,
-- whichever process attempts it, is a conflict the insert ignores.
create unique index job_runs_slot_uidx on {{schema}}.job_runs (scheduled_job_id, scheduled_for, job_type)
  where trigger in ('cron', 'catch_up');
-- The claim scan: pending runs in claim order.
create index job_runs_claim_idx on {{schema}}.job_runs (priority desc, run_after, created_at)
  where status = 'pending';
-- Lease recovery scan and per-worker lookups.
create index job_runs_lease_idx on {{schema}}.job_runs (lease_expires_at)
  where status = 'running';
-- Overlap checks and schedule history.
create index job_runs_schedule_idx on {{schema}}.job_runs (scheduled_job_id, created_at desc);
create index job_runs_batch_idx on {{schema}}.job_runs (batch_id) where batch_id is not null;
-- Dependents of a run (cascade cancellation).
create index job_runs_depends_on_idx on {{schema}}.job_runs using gin (depends_on)
  where status = 'pending';
create index job_runs_created_idx on {{schema}}.job_runs (created_at desc, id desc);

create table {{schema}}.job_run_logs (
  id bigint generated always as identity primary key,
  run_id uuid not null references {{schema}}.job_runs (id) on delete cascade,
  at timestamptz not null default now(),
  level text not null check (level in ('debug', 'info', 'warn', 'error')),
  message text not null,
  data jsonb
);
create index job_run_logs_run_idx on {{schema}}.job_run_logs (run_id, id);

create table {{schema}}.workers (
  id uuid primary key,
  role text not null,
  hostname text not null,
  pid integer not null,
  version text not null,
  concurrency integer not null,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  stopped_at timestamptz
);

create table {{schema}}.api_tokens (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  hash text not null unique,
  role text not null check (role in ('admin', 'operator', 'viewer')),
  tenant_id text,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

create table {{schema}}.audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor text not null,
  action text not null,
  entity text not null,
  entity_id text,
  tenant_id text,
  before jsonb,
  after jsonb
);
create index audit_log_at_idx on {{schema}}.audit_log (at desc, id desc);

create table {{schema}}.notification_deliveries (
  id uuid primary key default gen_random_uuid(),
  rule text not null,
  channel text not null,
  run_id uuid,
  scheduled_job_id uuid,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  last_error text,
  payload jsonb not null default '{}',
  next_attempt_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  delivered_at timestamptz
);
