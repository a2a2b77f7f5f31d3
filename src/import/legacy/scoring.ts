/**
 * `scoring` tables (scoring_job_schedules-like): one scoring schedule per brand of a customer.
 *
 * | column | becomes |
 * | --- | --- |
 * | id | source_ref `table:id` |
 * | brand_id | payload `{ brand_id }` |
 * | customer_id | tenant_id |
 * | cron_expression, timezone | the same (timezone default UTC) |
 * | is_active | status active / inactive |
 *
 * The job type is `scoring` (or `--job-type`). The legacy next_run_at is not copied.
 */
import { assertColumns, readBoolean, readScalar, readText, rowId, type LegacyRow } from './read-legacy-table.js';
import { mapRows, type LegacyMapOptions } from './map-rows.js';
import type { ImportPlan } from '../plan.js';

export const SCORING_JOB_TYPE = 'scoring';
const columns = ['id', 'brand_id', 'customer_id', 'cron_expression', 'is_active'];

export function mapScoringRows(rows: readonly LegacyRow[], options: LegacyMapOptions): ImportPlan {
  assertColumns(rows, columns, 'scoring');
  return mapRows(rows, { ...options, format: 'scoring' }, (row) => {
    const id = rowId(row);
    const brand = readText(row, 'brand_id', true);
    const customer = readText(row, 'customer_id');
    return {
      id,
      label: `#${id} brand ${brand}${customer ? ` customer ${customer}` : ''} (${readText(row, 'cron_expression') ?? '?'})`,
      candidate: () => ({
        input: {
          name: `Scoring brand ${brand}${customer ? ` (customer ${customer})` : ''}`,
          tenantId: customer,
          jobType: options.jobType ?? SCORING_JOB_TYPE,
          payload: { brand_id: readScalar(row, 'brand_id') },
          cronExpression: readText(row, 'cron_expression', true),
          timezone: readText(row, 'timezone') ?? 'UTC',
          status: readBoolean(row, 'is_active') === false ? 'inactive' : 'active',
        },
      }),
    };
  });
}
