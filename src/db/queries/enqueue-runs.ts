/**
 * Enqueueing one-off runs (trigger `api`): one statement inserts the runs, writes their audit
 * entry and NOTIFYs workers (of runs due now, and of the earliest later: `runsNotifications`),
 * so an enqueue is a single round trip and needs no transaction.
 *
 * A big bulk enqueue goes in chunks instead (`insertRunChunk`, see `enqueueMany` in
 * `services/runs.ts`): in one transaction whose last chunk is the statement below.
 *
 * Strategy notes (20,000 runs on loopback PostgreSQL 15, 2 cores):
 * - The runs travel as one typed array per column (`unnest`). The JSON recordset the scheduler
 *   uses (`fire-due.ts`) parses every value as text first.
 * - `run_after` left null means the database's now, so an enqueue never reads the clock first.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';

export interface EnqueuedRun {
  id: string;
  tenantId: string | null;
  jobType: string;
  priority: number;
  payload: Record<string, unknown>;
  /** Not before this instant; null for the database's now. */
  runAfter: Date | null;
  maxAttempts: number;
  timeoutSeconds: number | null;
  metadata: Record<string, unknown>;
}

export interface EnqueueAudit {
  actor: string;
  action: string;
  entityId: string | null;
  tenantId: string | null;
  after: Record<string, unknown>;
}

/** Params: $1–$9 one array per column, $10 created_by, $11 now (nullable). */
const insertRunsSql = (s: SchemaName) => `
    insert into ${s.quoted}.job_runs (
      id, tenant_id, job_type, trigger, priority, payload, run_after, max_attempts, timeout_seconds,
      metadata, created_by, created_at
    )
    select r.id, r.tenant_id, r.job_type, 'api', r.priority, r.payload, coalesce(r.run_after, $11::timestamptz, now()),
      r.max_attempts, r.timeout_seconds, r.metadata, $10, coalesce($11::timestamptz, now())
    from unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::jsonb[], $6::timestamptz[], $7::int[], $8::int[], $9::jsonb[])
      as r(id, tenant_id, job_type, priority, payload, run_after, max_attempts, timeout_seconds, metadata)`;

/**
 * Params: $1–$9 one array per column, $10 created_by, $11 now (nullable), $12 NOTIFY channel,
 * $13–$16 the audit entry (action, entity id, tenant, after), $17 and $18 (nullable) the NOTIFY
 * payloads (`runsNotifications`). Returns the inserted rows when
 * `returnRows` (a single enqueue answers the run), else only their count.
 */
const enqueueSql = (s: SchemaName, returnRows: boolean) => `
  with inserted as (${insertRunsSql(s)}
    returning ${returnRows ? '*' : 'id'}
  ), audited as (
    insert into ${s.quoted}.audit_log (actor, action, entity, entity_id, tenant_id, before, after)
    values ($10, $13, 'job_run', $14, $15, null, $16::jsonb)
  ), notified as (
    -- one row; joined below so that it is evaluated
    select pg_notify($12, $17::text), case when $18::text is not null then pg_notify($12, $18::text) end
  )
  ${returnRows ? 'select inserted.* from inserted, notified' : 'select count(*)::int as count from inserted, notified'}`;

function columns(runs: readonly EnqueuedRun[], createdBy: string, now: Date | null) {
  const column = <T>(pick: (run: EnqueuedRun) => T) => runs.map(pick);
  return [
    column((run) => run.id),
    column((run) => run.tenantId),
    column((run) => run.jobType),
    column((run) => run.priority),
    column((run) => JSON.stringify(run.payload)),
    column((run) => run.runAfter),
    column((run) => run.maxAttempts),
    column((run) => run.timeoutSeconds),
    column((run) => JSON.stringify(run.metadata)),
    createdBy,
    now,
  ];
}

/** What an enqueue writes besides its runs: the audit entry, and what it tells the workers. */
export interface EnqueueExtras {
  audit: EnqueueAudit;
  /**
   * The NOTIFY payloads (`runsNotifications`: one or two), for every run of the call. Passed as
   * two parameters: an array of them, unnested and counted in the statement, made the enqueue
   * answer 0.03–0.04 ms later (p50 of 1,200 interleaved enqueues, four runs).
   */
  notifications: readonly string[];
}

function params(s: SchemaName, runs: readonly EnqueuedRun[], { audit, notifications }: EnqueueExtras, now: Date | null) {
  return [...columns(runs, audit.actor, now), s.channel, audit.action, audit.entityId, audit.tenantId, JSON.stringify(audit.after), notifications[0], notifications[1] ?? null];
}

/** Inserts one run with its audit entry; returns the stored row (snake_case). */
export async function enqueueRun(db: Queryable, s: SchemaName, run: EnqueuedRun, extras: EnqueueExtras, now: Date | null) {
  const { rows } = await db.query(enqueueSql(s, true), params(s, [run], extras, now));
  return rows[0]!;
}

/** Inserts many runs with one audit entry for all of them; returns how many were inserted. */
export async function enqueueRuns(db: Queryable, s: SchemaName, runs: readonly EnqueuedRun[], extras: EnqueueExtras, now: Date | null): Promise<number> {
  if (runs.length === 0) return 0;
  const { rows } = await db.query<{ count: number }>(enqueueSql(s, false), params(s, runs, extras, now));
  return rows[0]!.count;
}

/**
 * Inserts runs without an audit entry or NOTIFY: a chunk of a bulk enqueue whose transaction
 * ends with `enqueueRuns` for the last chunk. Returns how many were inserted.
 */
export async function insertRunChunk(tx: Queryable, s: SchemaName, runs: readonly EnqueuedRun[], createdBy: string, now: Date | null): Promise<number> {
  const { rowCount } = await tx.query(insertRunsSql(s), columns(runs, createdBy, now));
  return rowCount;
}
