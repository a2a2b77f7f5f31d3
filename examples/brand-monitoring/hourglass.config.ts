/**
 * Brand monitoring on its own:
 * `npm start -- --config examples/brand-monitoring/hourglass.config.ts`.
 * Its embedded database lives in `examples/brand-monitoring/.hourglass/`, apart from the one `npm start` uses.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'hourglass';
import { brandMonitoringJobs } from './jobs.js';
import { brandMonitoringSchedules } from './schedules.js';

export default defineConfig({
  dataDir: fileURLToPath(new URL('./.hourglass', import.meta.url)),
  jobs: brandMonitoringJobs,
  schedules: brandMonitoringSchedules,
});
