/**
 * `scoring` run history (scoring_job_runs-like) → imported runs, linked to the schedules the
 * scoring import created. Pure, like the schedule mappers.
 *
 * | column | becomes |
 * | --- | --- |
 * | id | the run's identity: `runs_table:id` in `metadata.source_ref`, and a stable run id derived from it |
 * | schedule_id | the schedule imported from `schedule_table:schedule_id` |
 * | status | completed / failed / cancelled / skipped (success, succeeded, done, ok, error, failure, canceled are understood) |
 * | started_at, finished_at | the same |
 * | error_message | the same |
 * | metrics (optional, JSON object) | metrics |
 *
 * Only finished runs are history: a `running` or `pending` row (or any other status) is
 * rejected, since importing it would make a worker-less run that blocks its schedule.
 */
import type { ImportRejection } from '../plan.js';
import { assertColumns, readInstant, readJsonObject, readText, rowId, LegacyRowError, type LegacyRow } from './read-legacy-table.js';

export interface ImportedRunCandidate {
  /** `runs_table:id`, kept in the run's `metadata.source_ref`. */
  sourceRef: string;
  label: string;
  /** The `source_ref` of the schedule the run belongs to. */
  scheduleSourceRef: string;
  status: 'completed' | 'failed' | 'cancelled' | 'skipped';
  startedAt: Date | null;
  finishedAt: Date | null;
  errorMessage: string | null;
  metrics: Record<string, unknown>;
}

export interface RunImportPlan {
  source: string;
  rowsRead: number;
  runs: ImportedRunCandidate[];
  rejected: ImportRejection[];
}

const statuses: Record<string, ImportedRunCandidate['status']> = {
  completed: 'completed', success: 'completed', succeeded: 'completed', done: 'completed', ok: 'completed',
  failed: 'failed', error: 'failed', failure: 'failed',
  cancelled: 'cancelled', canceled: 'cancelled',
  skipped: 'skipped',
};

export function mapScoringRunRows(rows: readonly LegacyRow[], options: { table: string; scheduleTable: string }): RunImportPlan {
  assertColumns(rows, ['id', 'schedule_id', 'status', 'started_at', 'finished_at'], 'scoring runs');
  const plan: RunImportPlan = { source: `table ${options.table} (scoring runs)`, rowsRead: rows.length, runs: [], rejected: [] };
  rows.forEach((row, index) => {
    let sourceRef = `${options.table}:row ${index + 1}`;
    try {
      sourceRef = `${options.table}:${rowId(row)}`;
      const raw = readText(row, 'status')?.toLowerCase() ?? '';
      const status = Object.hasOwn(statuses, raw) ? statuses[raw]! : undefined;
      if (!status) throw new LegacyRowError(`status: only finished runs are imported (completed, failed, cancelled, skipped), got ${JSON.stringify(row.status ?? null)}`);
      const startedAt = readInstant(row, 'started_at') ?? null;
      plan.runs.push({
        sourceRef,
        label: `run #${readText(row, 'id')} of schedule #${readText(row, 'schedule_id')} (${raw}${startedAt ? ` ${startedAt.toISOString()}` : ''})`,
        scheduleSourceRef: `${options.scheduleTable}:${readText(row, 'schedule_id', true)}`,
        status,
        startedAt,
        finishedAt: readInstant(row, 'finished_at') ?? null,
        errorMessage: readText(row, 'error_message'),
        metrics: readJsonObject(row, 'metrics'),
      });
    } catch (error) {
      if (!(error instanceof LegacyRowError)) throw error;
      plan.rejected.push({ sourceRef, label: `run ${sourceRef}`, reason: error.message });
    }
  });
  return plan;
}
