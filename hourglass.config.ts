/**
 * The configuration `npm start` (`hourglass start`) loads. Everything not set here has a
 * default, and the environment overrides it: DATABASE_URL (absent = embedded PGlite in
 * ./.hourglass/), HOURGLASS_PORT (8080), LOG_LEVEL, JOB_WORKER_POLL_MS, …
 */
import { defineConfig } from 'hourglass';
import { brandMonitoringJobs } from './examples/brand-monitoring/jobs.js';
import { maintenanceJobs } from './examples/maintenance/jobs.js';
import { exampleSchedules } from './examples/schedules.js';
import { shopPlatformJobs } from './examples/shop-platform/jobs.js';

export default defineConfig({
  // Job types: the handlers workers may run. Names are unique across the whole list, and every
  // `dependsOn` and pipeline step must name one of them; start-up refuses the registry otherwise.
  jobs: [...maintenanceJobs, ...brandMonitoringJobs, ...shopPlatformJobs],
  // Schedules defined in code (WHAT + WHEN). Schedules created through the API or console live
  // in the database beside them.
  schedules: exampleSchedules,
});
