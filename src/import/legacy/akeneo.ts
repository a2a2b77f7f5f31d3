/**
 * `akeneo` tables (akeneo_schedules-like): a catalogue import per store on a daily, weekly,
 * monthly or one-off schedule.
 *
 * | column | becomes |
 * | --- | --- |
 * | schedule_type + schedule_time | daily `M H * * *`, weekly `M H * * 1`, monthly `M H 1 * *`; once: `run_at` = next_run |
 * | import_type, filters, options, credit_cost | the payload |
 * | status `paused` / is_active false | status paused / inactive (inactive wins) |
 * | store_id | tenant_id |
 * | last_run | last_run_at |
 * | timezone (optional column) | timezone, default UTC |
 *
 * A once row whose next_run is missing or not in the future is rejected: it either ran or
 * never will, and importing it would fire it at once.
 */
import { assertColumns, readBoolean, readInstant, readJson, readScalar, readText, rowId, LegacyRowError, type LegacyRow } from './read-legacy-table.js';
import { mapRows, type LegacyMapOptions } from './map-rows.js';
import type { ImportPlan } from '../plan.js';

export const AKENEO_JOB_TYPE = 'catalogue_import';
const columns = ['id', 'schedule_type', 'schedule_time', 'import_type', 'filters', 'options', 'credit_cost', 'status', 'is_active', 'store_id'];

/** `HH:MM` or `HH:MM:SS` → cron fields, seconds first when they are not zero. */
function timeFields(value: string | null): string {
  const match = value ? /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(value) : null;
  const [hour, minute, second] = [Number(match?.[1]), Number(match?.[2]), Number(match?.[3] ?? 0)];
  if (!match || hour > 23 || minute > 59 || second > 59) throw new LegacyRowError(`schedule_time: expected HH:MM (00:00 to 23:59), got ${JSON.stringify(value)}`);
  return `${second === 0 ? '' : `${second} `}${minute} ${hour}`;
}

function timing(row: LegacyRow, now: Date): { cronExpression?: string; runAt?: Date } {
  const type = readText(row, 'schedule_type')?.toLowerCase();
  if (type === 'once') {
    const runAt = readInstant(row, 'next_run');
    if (!runAt) throw new LegacyRowError('next_run: a once schedule needs next_run');
    if (runAt <= now) throw new LegacyRowError(`next_run: once schedule at ${runAt.toISOString()} is in the past`);
    return { runAt };
  }
  const time = timeFields(readText(row, 'schedule_time'));
  if (type === 'daily') return { cronExpression: `${time} * * *` };
  if (type === 'weekly') return { cronExpression: `${time} * * 1` };
  if (type === 'monthly') return { cronExpression: `${time} 1 * *` };
  throw new LegacyRowError(`schedule_type: expected daily, weekly, monthly or once, got ${JSON.stringify(row.schedule_type ?? null)}`);
}

export function mapAkeneoRows(rows: readonly LegacyRow[], options: LegacyMapOptions): ImportPlan {
  assertColumns(rows, columns, 'akeneo');
  return mapRows(rows, { ...options, format: 'akeneo' }, (row) => {
    const id = rowId(row);
    const importType = readText(row, 'import_type') ?? 'catalogue';
    const store = readText(row, 'store_id');
    return {
      id,
      label: `#${id} ${importType} ${readText(row, 'schedule_type') ?? '?'} ${readText(row, 'schedule_time') ?? ''}${store ? ` store ${store}` : ''}`.replace(/\s+/g, ' '),
      candidate: () => {
        const paused = readText(row, 'status')?.toLowerCase() === 'paused';
        const lastRunAt = readInstant(row, 'last_run');
        return {
          input: {
            name: `Akeneo ${importType} import${store ? ` (store ${store})` : ''}`,
            tenantId: store,
            jobType: options.jobType ?? AKENEO_JOB_TYPE,
            payload: { import_type: importType, filters: readJson(row, 'filters'), options: readJson(row, 'options'), credit_cost: readScalar(row, 'credit_cost') },
            ...timing(row, options.now),
            timezone: readText(row, 'timezone') ?? 'UTC',
            status: readBoolean(row, 'is_active') === false ? 'inactive' : paused ? 'paused' : 'active',
          },
          ...(lastRunAt === undefined ? {} : { counters: { lastRunAt } }),
        };
      },
    };
  });
}
