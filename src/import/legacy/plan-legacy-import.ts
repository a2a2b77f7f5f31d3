/**
 * A legacy schedule table → an `ImportPlan`: read the rows, map them with the format's mapper.
 * The formats and their column mappings are documented in each mapper and in docs/import.md.
 */
import type { Queryable } from '../../db/database.js';
import { ErrorCode, HourglassError } from '../../errors.js';
import type { ImportPlan } from '../plan.js';
import { mapAkeneoRows } from './akeneo.js';
import type { LegacyMapOptions } from './map-rows.js';
import { mapPluginCronRows } from './plugin-cron.js';
import { describeTable, readLegacyTable, type LegacyRow, type LegacyTableName } from './read-legacy-table.js';
import { mapScoringRows } from './scoring.js';
import { mapScoringRunRows, type RunImportPlan } from './scoring-runs.js';

export const legacyFormats = {
  akeneo: mapAkeneoRows,
  'plugin-cron': mapPluginCronRows,
  scoring: mapScoringRows,
} as const satisfies Record<string, (rows: readonly LegacyRow[], options: LegacyMapOptions) => ImportPlan>;

export type LegacyFormat = keyof typeof legacyFormats;

export function isLegacyFormat(value: string): value is LegacyFormat {
  return Object.hasOwn(legacyFormats, value);
}

export interface LegacyImportOptions extends LegacyTableName {
  format: LegacyFormat;
  /** The job type of akeneo (default `catalogue_import`) and scoring (default `scoring`) rows; plugin-cron rows name their own. */
  jobType?: string;
  /** The instant "in the past" is judged against (akeneo once rows). @default new Date() */
  now?: Date;
}

/** Reads `table` from `source` (any PostgreSQL database) and maps its rows. */
export async function planLegacyImport(source: Queryable, options: LegacyImportOptions): Promise<ImportPlan> {
  if (!isLegacyFormat(options.format)) {
    throw new HourglassError(ErrorCode.validationError, `format: expected one of ${Object.keys(legacyFormats).join(', ')}, got "${String(options.format)}"`, { field: 'format' });
  }
  if (options.jobType !== undefined && options.format === 'plugin-cron') {
    throw new HourglassError(ErrorCode.validationError, 'job_type: plugin-cron rows name their job type (handler_method)', { field: 'job_type' });
  }
  const rows = await readLegacyTable(source, options);
  return legacyFormats[options.format](rows, { table: describeTable(options), jobType: options.jobType, now: options.now ?? new Date() });
}

/**
 * Reads a run history table (scoring_job_runs-like, see `scoring-runs.ts`) whose `schedule_id`
 * points at rows of `scheduleTable` (imported with format `scoring`).
 */
export async function planLegacyRunImport(source: Queryable, options: { runs: LegacyTableName; schedules: LegacyTableName }): Promise<RunImportPlan> {
  const rows = await readLegacyTable(source, options.runs);
  return mapScoringRunRows(rows, { table: describeTable(options.runs), scheduleTable: describeTable(options.schedules) });
}
