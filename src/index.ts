/**
 * The public surface of Hourglass: re-exports only.
 */
export { createHourglass, type Hourglass, type HourglassSeams } from './hourglass.js';
export { defineConfig, defineJob, defineSchedule } from './define.js';
export type { Duration, JobContext, JobDefinition, RunLogger, RunMetrics, ScheduleDefinition, ScheduleTarget } from './define.js';
export { loadConfig, resolveConfig } from './config/load.js';
export type { HourglassConfigInput, ResolvedConfig } from './config/schema.js';
export { ErrorCode, HourglassError, NonRetryableError, isHourglassError } from './errors.js';
export type { HourglassEventMap, HourglassEventName, HourglassListener } from './events.js';
export {
  ExecutionMode,
  MissedRunPolicy,
  OverlapPolicy,
  RunStatus,
  ScheduleSource,
  ScheduleStatus,
  ScheduleType,
  Trigger,
} from './model.js';
export type { JobRun, JobRunLog, ScheduledJob, WorkerRecord } from './model.js';
export type { ScheduleInput } from './services/schedule-input.js';
export type { EnqueueInput, RunListOptions } from './services/runs.js';
export type { Actor, ScheduleListOptions } from './services/schedules.js';
export type { Page } from './services/cursor.js';
export type { Clock } from './util/clock.js';
export { describeCron, validateCron, nextCronSlots } from './time/cron.js';
export type { Database } from './db/database.js';
export { applyImport, type ApplyImportOptions, type ApplyImportResult } from './import/apply.js';
export { pruneRuns, type PruneReport, type PruneRunsOptions, type PruneScheduleCount } from './retention/prune-runs.js';
export type { ImportAction, ImportCandidate, ImportedCounters, ImportOutcome, ImportPlan, ImportRejection, ImportReport } from './import/plan.js';
export { legacyFormats, planLegacyImport, planLegacyRunImport, type LegacyFormat, type LegacyImportOptions } from './import/legacy/plan-legacy-import.js';
export { mapScoringRunRows, type ImportedRunCandidate, type RunImportPlan } from './import/legacy/scoring-runs.js';
export { mapAkeneoRows } from './import/legacy/akeneo.js';
export { mapPluginCronRows } from './import/legacy/plugin-cron.js';
export { mapScoringRows } from './import/legacy/scoring.js';
export { readLegacyTable, type LegacyRow, type LegacyTableName } from './import/legacy/read-legacy-table.js';
export type { LegacyMapOptions } from './import/legacy/map-rows.js';
