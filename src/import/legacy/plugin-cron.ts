/**
 * `plugin-cron` tables (plugin_cron-like): named cron entries calling a handler method, with
 * the run counters the plugin kept.
 *
 * | column | becomes |
 * | --- | --- |
 * | cron_name | name |
 * | cron_schedule, timezone | cron_expression, timezone (default UTC) |
 * | handler_method | job_type (must be registered: otherwise the row is rejected) |
 * | handler_params | payload (a JSON object) |
 * | is_enabled | status active / inactive |
 * | priority | priority |
 * | run_count, success_count, failure_count, consecutive_failures, last_status, last_error, last_run_at | the same counters |
 *
 * `source_ref` is `table:id`, or `table:cron_name` when the table has no id column. The
 * legacy next_run_at is not copied: Hourglass computes the next slot itself.
 */
import { assertColumns, readBoolean, readInstant, readInteger, readJsonObject, readText, rowId, type LegacyRow } from './read-legacy-table.js';
import { mapRows, type LegacyMapOptions } from './map-rows.js';
import type { ImportedCounters, ImportPlan } from '../plan.js';

const columns = ['cron_name', 'cron_schedule', 'handler_method', 'handler_params', 'is_enabled'];

function counters(row: LegacyRow): ImportedCounters {
  const all: ImportedCounters = {
    runCount: readInteger(row, 'run_count'),
    successCount: readInteger(row, 'success_count'),
    failureCount: readInteger(row, 'failure_count'),
    consecutiveFailures: readInteger(row, 'consecutive_failures'),
    lastStatus: 'last_status' in row ? readText(row, 'last_status') : undefined,
    lastError: 'last_error' in row ? readText(row, 'last_error') : undefined,
    lastRunAt: readInstant(row, 'last_run_at'),
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined)) as ImportedCounters;
}

export function mapPluginCronRows(rows: readonly LegacyRow[], options: LegacyMapOptions): ImportPlan {
  assertColumns(rows, columns, 'plugin-cron');
  return mapRows(rows, { ...options, format: 'plugin-cron' }, (row) => {
    const name = readText(row, 'cron_name', true)!;
    return {
      id: rowId(row, 'cron_name'),
      label: `${name} (${readText(row, 'cron_schedule') ?? '?'} → ${readText(row, 'handler_method') ?? '?'})`,
      candidate: () => ({
        input: {
          name,
          jobType: readText(row, 'handler_method', true),
          payload: readJsonObject(row, 'handler_params'),
          cronExpression: readText(row, 'cron_schedule', true),
          timezone: readText(row, 'timezone') ?? 'UTC',
          status: readBoolean(row, 'is_enabled') === false ? 'inactive' : 'active',
          priority: readInteger(row, 'priority'),
        },
        counters: counters(row),
      }),
    };
  });
}
