/**
 * The shapes every importer shares. A source (a legacy table, a crontab, an export document)
 * is first mapped to an `ImportPlan` without touching Hourglass's tables; `applyImport` then
 * writes the whole plan in one transaction (or, with `dryRun`, only reports what it would do).
 *
 * Identity across repeated imports: `id` when the source carries Hourglass ids (an export
 * document), else `(source = 'import', source_ref)`. Importing the same source twice changes
 * nothing the second time.
 */
import type { ScheduledJob } from '../model.js';
import type { ScheduleInput } from '../services/schedule-input.js';

/** Run counters a legacy system kept, carried over on create and update (plugin-cron). */
export type ImportedCounters = Partial<
  Pick<ScheduledJob, 'runCount' | 'successCount' | 'failureCount' | 'consecutiveFailures' | 'lastStatus' | 'lastError' | 'lastRunAt'>
>;

export interface ImportCandidate {
  /** `table:id`, `crontab:LINE`, …: where the row came from, stored as `source_ref`. */
  sourceRef: string;
  /** For people: the source row in a few words (dry-run output, reports). */
  label: string;
  /** What the row becomes. `source` defaults to `import`. */
  input: ScheduleInput;
  /** An export document's schedule id: matched (and kept) instead of `sourceRef`. */
  id?: string;
  counters?: ImportedCounters;
}

export interface ImportRejection {
  sourceRef: string;
  label: string;
  /** Why the row cannot be imported, e.g. `invalid cron "61 * * * *": …`. */
  reason: string;
}

export interface ImportPlan {
  /** `table akeneo_schedules (akeneo)`, `crontab ./crontab`, `document export.json`. */
  source: string;
  rowsRead: number;
  candidates: ImportCandidate[];
  rejected: ImportRejection[];
}

export type ImportAction = 'create' | 'update' | 'unchanged' | 'reject';

export interface ImportOutcome {
  sourceRef: string;
  label: string;
  action: ImportAction;
  scheduleId?: string;
  /** Fields that differ (update) or the rejection reason. */
  changes?: string[];
  reason?: string;
}

export interface ImportReport {
  source: string;
  dryRun: boolean;
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rows: ImportOutcome[];
}
