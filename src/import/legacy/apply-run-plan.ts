/**
 * Imported run history → `job_runs`, inside `applyImport`'s transaction, after the schedules
 * (so a dry run links runs to the schedules it would create).
 *
 * Each run is linked to the schedule imported from its `scheduleSourceRef` (source `import`);
 * a run whose schedule was not imported is rejected. Runs are history: trigger `cron`, one
 * attempt, no `scheduled_for`, the schedule's job type, tenant and payload, and
 * `metadata.source_ref`. Their id is derived from their source_ref (SHA-1, in UUID form), so
 * importing the same history twice adds nothing (`unchanged`); an imported run is never
 * updated. Schedule counters are not recomputed from imported runs.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/database.js';
import { findScheduleByOrigin, insertImportedRun } from '../../db/queries/import.js';
import { ErrorCode, HourglassError } from '../../errors.js';
import type { Runtime } from '../../runtime.js';
import type { Actor } from '../../services/actor.js';
import type { ImportedRunCandidate, RunImportPlan } from './scoring-runs.js';
import type { ImportOutcome, ImportReport } from '../plan.js';

/** A UUID (version 5 layout) derived from `name`: the same source row always gets the same run id. */
export function stableRunId(name: string): string {
  const hex = createHash('sha1').update(`hourglass:import:run:${name}`).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

async function applyRun(tx: Queryable, runtime: Runtime, actor: Actor, run: ImportedRunCandidate, dryRun: boolean): Promise<ImportOutcome> {
  const outcome = { sourceRef: run.sourceRef, label: run.label };
  const schedule = await findScheduleByOrigin(tx, runtime.schema, 'import', run.scheduleSourceRef);
  if (!schedule || !schedule.jobType) return { ...outcome, action: 'reject', reason: `schedule ${run.scheduleSourceRef} was not imported` };
  const id = stableRunId(run.sourceRef);
  const inserted = await insertImportedRun(tx, runtime.schema, {
    id,
    scheduledJobId: schedule.id,
    scheduleName: schedule.name,
    tenantId: schedule.tenantId,
    jobType: schedule.jobType,
    status: run.status,
    payload: schedule.payload,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    errorMessage: run.errorMessage,
    metrics: run.metrics,
    metadata: { source_ref: run.sourceRef },
    createdBy: actor.name,
  });
  return { ...outcome, action: inserted ? 'create' : 'unchanged', scheduleId: dryRun ? undefined : schedule.id };
}

/** Inserts the runs of `plan` (inside the caller's transaction) and reports each. */
export async function applyRunPlan(tx: Queryable, runtime: Runtime, actor: Actor, plan: RunImportPlan, dryRun: boolean): Promise<ImportReport> {
  if (plan.rowsRead !== plan.runs.length + plan.rejected.length) {
    throw new HourglassError(ErrorCode.internalError, `run import plan of ${plan.source} is inconsistent: ${plan.rowsRead} rows read, ${plan.runs.length + plan.rejected.length} mapped or rejected`);
  }
  const rows: ImportOutcome[] = [];
  for (const run of plan.runs) rows.push(await applyRun(tx, runtime, actor, run, dryRun));
  rows.push(...plan.rejected.map((row): ImportOutcome => ({ ...row, action: 'reject' })));
  const count = (action: ImportOutcome['action']) => rows.filter((row) => row.action === action).length;
  return { source: plan.source, dryRun, read: plan.rowsRead, created: count('create'), updated: 0, unchanged: count('unchanged'), rejected: count('reject'), rows };
}
