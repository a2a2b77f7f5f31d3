/**
 * The platform's old schedule table, `akeneo_schedules`: one row per store catalogue import,
 * as the home-made scheduler kept it (a schedule type and an `HH:MM` time instead of cron, the
 * store id, a JSON `options` column, a credit cost). `createAkeneoTable` recreates it with a
 * few stores' rows in the example's database; `importStoreSchedules` moves them into Hourglass
 * with the legacy importer, as `hourglass import legacy --format akeneo` does for a table in
 * PostgreSQL. Importing again changes nothing.
 */
import { applyImport, planLegacyImport, type ApplyImportResult, type Hourglass } from 'hourglass';

export const AKENEO_TABLE = 'akeneo_schedules';

const createTableSql = `
  create table if not exists public.${AKENEO_TABLE} (
    id serial primary key,
    store_id text not null,
    import_type text not null default 'products',
    schedule_type text not null,
    schedule_time text,
    filters jsonb,
    options jsonb,
    credit_cost numeric(8, 2) not null default 0,
    status text not null default 'active',
    is_active boolean not null default true,
    last_run timestamptz,
    next_run timestamptz
  )`;

const insertRowSql = `
  insert into public.${AKENEO_TABLE} (id, store_id, import_type, schedule_type, schedule_time, filters, options, credit_cost, status, is_active, last_run)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
  on conflict (id) do nothing`;

/** The rows, as the old scheduler left them. Row 5 has an impossible time: the import rejects it. */
export const AKENEO_ROWS = [
  [1, 'store_101', 'products', 'daily', '03:00', { channel: 'ecommerce', locales: ['de_DE'] }, { source: 'api', batch_size: 250 }, 5, 'active', true, '2026-11-21T03:00:12Z'],
  [2, 'store_102', 'products', 'weekly', '04:30', { channel: 'ecommerce', locales: ['fr_FR'] }, { source: 'csv', rows: 900 }, 8, 'active', true, '2026-11-16T04:30:40Z'],
  [3, 'store_103', 'products', 'daily', '02:15', null, { source: 'csv' }, 5, 'paused', true, '2026-11-02T02:15:05Z'],
  [4, 'store_101', 'categories', 'monthly', '05:00', null, { source: 'api', rows: 60 }, 1, 'active', true, '2026-11-01T05:00:02Z'],
  [5, 'store_102', 'products', 'daily', '24:30', null, null, 5, 'active', true, null],
] as const;

/** What an imported row looks like in Hourglass (the test checks these). */
export const IMPORTED_STORE_SCHEDULES = [
  { sourceRef: `${AKENEO_TABLE}:1`, tenantId: 'store_101', cronExpression: '0 3 * * *', status: 'active', creditCost: 5 },
  { sourceRef: `${AKENEO_TABLE}:2`, tenantId: 'store_102', cronExpression: '30 4 * * 1', status: 'active', creditCost: 8 },
  { sourceRef: `${AKENEO_TABLE}:3`, tenantId: 'store_103', cronExpression: '15 2 * * *', status: 'paused', creditCost: 5 },
  { sourceRef: `${AKENEO_TABLE}:4`, tenantId: 'store_101', cronExpression: '0 5 1 * *', status: 'active', creditCost: 1 },
] as const;

type Queryable = Awaited<ReturnType<Hourglass['ready']>>['db'];

/** Creates `public.akeneo_schedules` with the rows above (rows already there are left alone). */
export async function createAkeneoTable(db: Queryable): Promise<void> {
  await db.query(createTableSql);
  for (const row of AKENEO_ROWS) {
    await db.query(insertRowSql, row.map((value) => (value !== null && typeof value === 'object' ? JSON.stringify(value) : value)));
  }
}

/** Imports the table's rows as `catalogue_import` schedules, tenant = store, in one transaction. */
export async function importStoreSchedules(hourglass: Hourglass): Promise<ApplyImportResult> {
  const { db } = await hourglass.ready();
  const plan = await planLegacyImport(db, { table: AKENEO_TABLE, format: 'akeneo' });
  return applyImport(hourglass, plan);
}
