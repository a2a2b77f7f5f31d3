/**
 * The shop platform on its own:
 * `npm start -- --config examples/shop-platform/hourglass.config.ts`, after
 * `npx jiti examples/shop-platform/setup.ts` has imported the stores' catalogue imports.
 * Its embedded database lives in `examples/shop-platform/.hourglass/`, apart from the one `npm start` uses.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'hourglass';
import { shopPlatformJobs } from './jobs.js';
import { shopPlatformSchedules } from './schedules.js';

export default defineConfig({
  dataDir: fileURLToPath(new URL('./.hourglass', import.meta.url)),
  jobs: shopPlatformJobs,
  schedules: shopPlatformSchedules,
});
