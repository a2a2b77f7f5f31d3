/**
 * One-time setup of the shop platform example: recreates the platform's old `akeneo_schedules`
 * table in the example's database and imports its rows as per-store `catalogue_import`
 * schedules. Run it before the first start (the embedded database belongs to one process at a
 * time), and as often as you like: a second run reports every row `unchanged`.
 *
 *   npx jiti examples/shop-platform/setup.ts
 */
import { createHourglass } from 'hourglass';
import config from './hourglass.config.js';
import { createAkeneoTable, importStoreSchedules } from './akeneo-table.js';

// DATABASE_URL, when set, puts the example (and the legacy table) in PostgreSQL instead.
const hourglass = createHourglass({ ...config, databaseUrl: process.env.DATABASE_URL ?? config.databaseUrl, logLevel: 'warn' });
try {
  await createAkeneoTable((await hourglass.ready()).db);
  const report = await importStoreSchedules(hourglass);
  for (const row of report.rows) console.log(`${row.action.padEnd(9)} ${row.label}${row.reason ? `: ${row.reason}` : ''}`);
  console.log(`read ${report.read}: created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, rejected ${report.rejected}`);
} finally {
  await hourglass.stop();
}
