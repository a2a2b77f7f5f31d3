/**
 * Writes an `ImportPlan` into `scheduled_jobs`: the one write path of every importer (legacy
 * tables, crontabs, export documents), for the library and the CLI alike.
 *
 * - One transaction for the whole plan, under the import advisory lock. A row that cannot be
 *   imported (invalid cron or zone, unknown job type, a key or tenant it may not use) becomes a
 *   `reject` outcome with the reason and writes nothing; the other rows go on.
 * - Identity: the candidate's `id` when it has one (export documents), else `(source,
 *   source_ref)` where `source` is the input's (default `import`) and `source_ref` the input's
 *   own `sourceRef` when it sets one, else the candidate's. Two candidates with the same
 *   identity in one plan: the second is rejected.
 * - The source wins for every field it describes: a row that differs is updated (`changes`
 *   names the fields, snake_case), else it is `unchanged` and nothing is written, not even an
 *   audit entry. Counters a legacy system kept (plugin-cron) are written on create and update.
 * - `next_run_at` as the schedules service computes it: the first slot after now on create,
 *   on a timing change or a re-activation; kept otherwise; cleared when inactive.
 * - Every create and update has a `schedule.import` audit entry (before/after) in the same
 *   transaction; schedulers are notified after commit.
 * - `dryRun` runs exactly the same statements and rolls back: the outcomes are those a real
 *   import would have at that moment, and nothing is written.
 *
 * The counts add up: `read = created + updated + unchanged + rejected`, the plan's own
 * rejections included; a plan whose `rowsRead` disagrees with its rows is refused.
 * Run history (`options.runs`, see `legacy/apply-run-plan.ts`) goes in the same transaction, after the
 * schedules, with a report of its own.
 */
import type { Queryable } from '../db/database.js';
import { insertAuditEntry } from '../db/queries/audit-log.js';
import { readDatabaseNow } from '../db/queries/database-now.js';
import { findScheduleById, findScheduleByOrigin, insertScheduleWithId, lockImports, writeScheduleCounters } from '../db/queries/import.js';
import { findSchedule, insertSchedule, updateSchedule, type ScheduleColumns } from '../db/queries/scheduled-jobs.js';
import { ErrorCode, HourglassError, isHourglassError } from '../errors.js';
import type { Hourglass } from '../hourglass.js';
import type { ScheduledJob } from '../model.js';
import { Notification, type Runtime } from '../runtime.js';
import { timingOf } from '../scheduler/tick.js';
import { assertMayChange, canSee, libraryActor, resolveTenant, type Actor } from '../services/actor.js';
import { normalizeSchedule, parseWith, scheduleInputSchema } from '../services/schedule-input.js';
import { computeFirstSlot } from '../time/slots.js';
import { snakeCase } from '../util/case.js';
import { isUuid } from '../util/ids.js';
import { applyRunPlan } from './legacy/apply-run-plan.js';
import type { RunImportPlan } from './legacy/scoring-runs.js';
import type { ImportCandidate, ImportOutcome, ImportPlan, ImportReport, ImportedCounters } from './plan.js';

export interface ApplyImportOptions {
  /** Compute the outcomes and write nothing. @default false */
  dryRun?: boolean;
  /** Recorded in the audit log and `created_by`/`updated_by`; its tenant binding applies. @default the library actor */
  actor?: Actor;
  /** Run history to import after the schedules, in the same transaction (`--runs`). */
  runs?: RunImportPlan;
}

/** The schedules' report, and the runs' when `runs` was given (same counting rules). */
export type ApplyImportResult = ImportReport & { runs?: ImportReport };

/** Columns compared to decide between `update` and `unchanged` (everything the input describes). */
const definitionColumns = [
  'key', 'name', 'description', 'tenantId', 'source', 'sourceRef', 'executionMode', 'jobType', 'jobGroup', 'jobTypes', 'payload',
  'metadata', 'scheduleType', 'cronExpression', 'timezone', 'intervalSeconds', 'runAt', 'status', 'pausedUntil', 'pauseNote',
  'missedRunPolicy', 'catchUpWindowSeconds', 'overlapPolicy', 'dstGap', 'dstOverlap', 'exclusions', 'pauseAfterFailures',
  'maxAttempts', 'timeoutSeconds', 'priority', 'jitterSeconds',
] as const satisfies readonly (keyof ScheduleColumns)[];

const timingColumns = new Set<string>(['scheduleType', 'cronExpression', 'timezone', 'intervalSeconds', 'runAt', 'dstGap', 'dstOverlap']);
/** What an import may change on a code-defined schedule (as through the API). */
const codeStatusColumns = new Set<string>(['status', 'pausedUntil', 'pauseNote']);

/** JSON with object keys sorted: jsonb does not keep key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : item,
  );
}

function isSame(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return (a as Date | null)?.getTime?.() === (b as Date | null)?.getTime?.();
  return canonicalJson(a) === canonicalJson(b);
}

function changedCounters(counters: ImportedCounters | undefined, existing: ScheduledJob | null): string[] {
  if (!counters) return [];
  return Object.entries(counters)
    .filter(([name, value]) => value !== undefined && (!existing || !isSame(value, existing[name as keyof ScheduledJob])))
    .map(([name]) => name);
}

/** Thrown inside the transaction to roll a dry run back, carrying its report out. */
class DryRunRollback extends Error {
  readonly report: ApplyImportResult;
  constructor(report: ApplyImportResult) {
    super('dry run');
    this.report = report;
  }
}

interface ImportContext {
  tx: Queryable;
  runtime: Runtime;
  actor: Actor;
  now: Date;
  /** Identities already handled in this plan. */
  seen: Set<string>;
}

/** The columns a candidate asks for, validated (throws the reason of a rejection). */
function desiredColumns(candidate: ImportCandidate, context: ImportContext): ScheduleColumns {
  const sourceRef = 'sourceRef' in candidate.input ? candidate.input.sourceRef : candidate.sourceRef;
  const parsed = parseWith(scheduleInputSchema, { ...candidate.input, source: candidate.input.source ?? 'import', sourceRef });
  parsed.tenantId = resolveTenant(context.actor, parsed.tenantId);
  assertMayChange(context.actor, parsed.tenantId ?? null, 'a schedule without tenant_id');
  return normalizeSchedule(parsed, context.runtime.registry);
}

function withNextRun(columns: ScheduleColumns, now: Date, keep: Date | null): ScheduleColumns {
  if (columns.status !== 'active' && columns.status !== 'paused') return { ...columns, nextRunAt: null };
  return { ...columns, nextRunAt: keep ?? computeFirstSlot(timingOf({ ...columns, nextRunAt: null } as ScheduledJob), now) };
}

async function findExisting(candidate: ImportCandidate, desired: ScheduleColumns, context: ImportContext): Promise<ScheduledJob | null> {
  const { tx, runtime, actor } = context;
  const identity = candidate.id ? `id:${candidate.id}` : `ref:${desired.source}:${desired.sourceRef ?? ''}`;
  if (candidate.id && !isUuid(candidate.id)) throw new HourglassError(ErrorCode.validationError, `id: expected a uuid, got "${candidate.id}"`, { field: 'id' });
  if (!candidate.id && !desired.sourceRef) throw new HourglassError(ErrorCode.validationError, 'source_ref: expected where the row came from', { field: 'source_ref' });
  if (context.seen.has(identity)) throw new HourglassError(ErrorCode.conflict, `the same ${candidate.id ? `id ${candidate.id}` : `source_ref "${desired.sourceRef}"`} appears twice in this source`);
  context.seen.add(identity);
  const existing = candidate.id
    ? await findScheduleById(tx, runtime.schema, candidate.id)
    : await findScheduleByOrigin(tx, runtime.schema, desired.source!, desired.sourceRef!);
  if (existing && !canSee(actor, existing.tenantId)) throw new HourglassError(ErrorCode.forbidden, `schedule ${existing.id} belongs to another tenant`);
  if (existing) assertMayChange(actor, existing.tenantId, `schedule "${existing.name}"`);
  if (desired.key) {
    const holder = await findSchedule(tx, runtime.schema, desired.key);
    if (holder && holder.id !== existing?.id) throw new HourglassError(ErrorCode.conflict, `key "${desired.key}" is already used by schedule "${holder.name}"`, { field: 'key' });
  }
  return existing;
}

async function audit(context: ImportContext, before: ScheduledJob | null, after: ScheduledJob): Promise<void> {
  await insertAuditEntry(context.tx, context.runtime.schema, {
    actor: context.actor.name,
    action: 'schedule.import',
    entity: 'scheduled_job',
    entityId: after.id,
    tenantId: after.tenantId,
    before,
    after,
  });
}

async function create(candidate: ImportCandidate, desired: ScheduleColumns, context: ImportContext): Promise<ImportOutcome> {
  const { tx, runtime, actor } = context;
  const values = { ...withNextRun(desired, context.now, null), createdBy: actor.name, updatedBy: actor.name };
  let after = candidate.id ? await insertScheduleWithId(tx, runtime.schema, candidate.id, values) : await insertSchedule(tx, runtime.schema, values);
  if (candidate.counters) after = await writeScheduleCounters(tx, runtime.schema, after.id, candidate.counters);
  await audit(context, null, after);
  return { sourceRef: candidate.sourceRef, label: candidate.label, action: 'create', scheduleId: after.id };
}

async function update(candidate: ImportCandidate, desired: ScheduleColumns, existing: ScheduledJob, context: ImportContext): Promise<ImportOutcome> {
  const { tx, runtime, actor } = context;
  const outcome = { sourceRef: candidate.sourceRef, label: candidate.label, scheduleId: existing.id };
  const changed: string[] = definitionColumns.filter((column) => !isSame(desired[column] ?? null, existing[column]));
  const counters = changedCounters(candidate.counters, existing);
  if (changed.length + counters.length === 0) return { ...outcome, action: 'unchanged' };
  if (existing.source === 'code' && changed.some((column) => !codeStatusColumns.has(column))) {
    throw new HourglassError(ErrorCode.readOnlySchedule, `schedule "${existing.key}" is defined in code: an import may change only its status`);
  }
  const timingChanged = changed.some((column) => timingColumns.has(column));
  const reactivated = existing.status === 'inactive' && desired.status !== 'inactive';
  const next = withNextRun(desired, context.now, timingChanged || reactivated ? null : existing.nextRunAt);
  let after = (await updateSchedule(tx, runtime.schema, existing.id, { ...next, updatedBy: actor.name }, null))!;
  if (candidate.counters) after = await writeScheduleCounters(tx, runtime.schema, existing.id, candidate.counters);
  await audit(context, existing, after);
  return { ...outcome, action: 'update', changes: [...changed, ...counters].map(snakeCase) };
}

async function applyCandidate(candidate: ImportCandidate, context: ImportContext): Promise<ImportOutcome> {
  try {
    const desired = desiredColumns(candidate, context);
    const existing = await findExisting(candidate, desired, context);
    return existing ? await update(candidate, desired, existing, context) : await create(candidate, desired, context);
  } catch (error) {
    // Only refusals made before anything is written end up here; a database error aborts the
    // transaction and must end the import.
    if (!isHourglassError(error) || error.status >= 500) throw error;
    return { sourceRef: candidate.sourceRef, label: candidate.label, action: 'reject', reason: error.message };
  }
}

function checkPlan(plan: ImportPlan): void {
  const listed = plan.candidates.length + plan.rejected.length;
  if (plan.rowsRead !== listed) {
    throw new HourglassError(ErrorCode.internalError, `import plan of ${plan.source} is inconsistent: ${plan.rowsRead} rows read, ${listed} mapped or rejected`);
  }
}

function summarise(plan: ImportPlan, rows: ImportOutcome[], dryRun: boolean): ImportReport {
  // A dry run's new ids were rolled back: showing them would name schedules that do not exist.
  const outcomes = dryRun ? rows.map((row) => (row.action === 'create' ? { ...row, scheduleId: undefined } : row)) : rows;
  const all = [...outcomes, ...plan.rejected.map((row): ImportOutcome => ({ ...row, action: 'reject' }))];
  const count = (action: ImportOutcome['action']) => all.filter((row) => row.action === action).length;
  return { source: plan.source, dryRun, read: plan.rowsRead, created: count('create'), updated: count('update'), unchanged: count('unchanged'), rejected: count('reject'), rows: all };
}

async function runtimeOf(target: Hourglass | Runtime): Promise<Runtime> {
  return 'ready' in target ? target.ready() : target;
}

/**
 * Applies `plan` to the schedules of `target` (an Hourglass instance, or the runtime inside
 * one) and reports row by row what was, or with `dryRun` would be, done.
 */
export async function applyImport(target: Hourglass | Runtime, plan: ImportPlan, options: ApplyImportOptions = {}): Promise<ApplyImportResult> {
  checkPlan(plan);
  const runtime = await runtimeOf(target);
  const dryRun = options.dryRun === true;
  const actor = options.actor ?? libraryActor;
  try {
    const report = await runtime.db.transaction(async (tx) => {
      await lockImports(tx, runtime.schema);
      const context: ImportContext = { tx, runtime, actor, now: await readDatabaseNow(tx, runtime.clock), seen: new Set() };
      const rows: ImportOutcome[] = [];
      for (const candidate of plan.candidates) rows.push(await applyCandidate(candidate, context));
      const result: ApplyImportResult = summarise(plan, rows, dryRun);
      if (options.runs) result.runs = await applyRunPlan(tx, runtime, actor, options.runs, dryRun);
      if (dryRun) throw new DryRunRollback(result);
      if (result.created + result.updated > 0) await tx.query('select pg_notify($1, $2)', [runtime.schema.channel, Notification.schedules]);
      return result;
    });
    if (report.created + report.updated > 0) runtime.wakeScheduler();
    return report;
  } catch (error) {
    if (error instanceof DryRunRollback) return error.report as ApplyImportResult;
    throw error;
  }
}
