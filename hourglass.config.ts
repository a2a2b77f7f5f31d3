/**
 * The configuration `npm start` (`hourglass start`) loads: every example of `examples/` in one
 * registry. Everything not set here has a default, and the environment overrides it:
 * DATABASE_URL (absent = embedded PGlite in ./.hourglass/), HOURGLASS_PORT (8080), LOG_LEVEL,
 * JOB_WORKER_POLL_MS, … Each example also runs on its own with its own config and database:
 * `npm start -- --config examples/<name>/hourglass.config.ts` (see examples/README.md).
 */
import { defineConfig, type ScheduleDefinition } from 'hourglass';
import { brandMonitoringJobs } from './examples/brand-monitoring/jobs.js';
import { brandMonitoringSchedules } from './examples/brand-monitoring/schedules.js';
import { maintenanceJobs } from './examples/maintenance/jobs.js';
import { maintenanceSchedules } from './examples/maintenance/schedules.js';
import { propertyScraperJobs } from './examples/property-scraper/jobs.js';
import { dailyScrapes } from './examples/property-scraper/schedules.js';
import { shopPlatformJobs } from './examples/shop-platform/jobs.js';
import { shopPlatformSchedules } from './examples/shop-platform/schedules.js';

/**
 * Here only `feed-refresh` is active from the start (a fresh start fires a batch within 15
 * minutes); the other examples' schedules are created `inactive`, to enable in the console or
 * with `hourglass schedules enable KEY`. The property scraper's one-off, whose instant is a few
 * minutes after each start, belongs to that example's own config only.
 */
function activeOnly(keys: readonly string[], schedules: readonly ScheduleDefinition[]): ScheduleDefinition[] {
  return schedules.map((schedule) => ({ ...schedule, enabled: keys.includes(schedule.key) }));
}

export default defineConfig({
  // Job types: the handlers workers may run. Names are unique across the whole list, and every
  // `dependsOn` and pipeline step must name one of them; start-up refuses the registry otherwise.
  jobs: [...maintenanceJobs, ...brandMonitoringJobs, ...shopPlatformJobs, ...propertyScraperJobs],
  // Schedules defined in code (WHAT + WHEN). Schedules created through the API or console live
  // in the database beside them.
  schedules: activeOnly(['feed-refresh'], [...maintenanceSchedules, ...brandMonitoringSchedules, ...shopPlatformSchedules, ...dailyScrapes]),
});
