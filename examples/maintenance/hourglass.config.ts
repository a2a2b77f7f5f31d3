/**
 * The maintenance suite on its own:
 * `npm start -- --config examples/maintenance/hourglass.config.ts`.
 * Its embedded database lives in `examples/maintenance/.hourglass/`, apart from the one `npm start` uses.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'hourglass';
import { maintenanceJobs } from './jobs.js';
import { maintenanceSchedules } from './schedules.js';

export default defineConfig({
  dataDir: fileURLToPath(new URL('./.hourglass', import.meta.url)),
  jobs: maintenanceJobs,
  schedules: maintenanceSchedules,
});
