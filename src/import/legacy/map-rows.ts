/**
 * The loop every legacy mapper shares: one candidate per row, or one rejection with the reason
 * when the row cannot be mapped. Mapping is pure: no database, no clock (`now` is given).
 */
import type { ImportCandidate, ImportPlan } from '../plan.js';
import { LegacyRowError, type LegacyRow } from './read-legacy-table.js';

export interface LegacyMapOptions {
  /** The table as named on the command line (`schema.table` or `table`): the prefix of every `source_ref`. */
  table: string;
  /** The job type of formats whose rows do not name one (akeneo, scoring). */
  jobType?: string;
  /** The instant "in the past" is judged against (once schedules). */
  now: Date;
}

export type CandidateFields = Omit<ImportCandidate, 'sourceRef' | 'label'>;

/**
 * Maps `rows` with `mapOne`, which returns the row's id (for `source_ref`) and what the row
 * becomes, or throws `LegacyRowError` with the reason it cannot be imported.
 */
export function mapRows(
  rows: readonly LegacyRow[],
  options: LegacyMapOptions & { format: string },
  mapOne: (row: LegacyRow) => { id: string; candidate: () => CandidateFields; label: string },
): ImportPlan {
  const plan: ImportPlan = { source: `table ${options.table} (${options.format})`, rowsRead: rows.length, candidates: [], rejected: [] };
  rows.forEach((row, index) => {
    let sourceRef = `${options.table}:row ${index + 1}`;
    let label = sourceRef;
    try {
      const mapped = mapOne(row);
      sourceRef = `${options.table}:${mapped.id}`;
      label = mapped.label;
      plan.candidates.push({ sourceRef, label, ...mapped.candidate() });
    } catch (error) {
      if (!(error instanceof LegacyRowError)) throw error;
      plan.rejected.push({ sourceRef, label, reason: error.message });
    }
  });
  return plan;
}
