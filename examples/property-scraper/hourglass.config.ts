/**
 * The property scraper on its own:
 * `npm start -- --config examples/property-scraper/hourglass.config.ts`.
 * Its embedded database lives in `examples/property-scraper/.hourglass/`, apart from the one `npm start` uses.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'hourglass';
import { propertyScraperJobs } from './jobs.js';
import { propertyScraperSchedules } from './schedules.js';

export default defineConfig({
  dataDir: fileURLToPath(new URL('./.hourglass', import.meta.url)),
  jobs: propertyScraperJobs,
  schedules: propertyScraperSchedules,
});
