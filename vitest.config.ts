import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Unit tests always; database tests on embedded PGlite always and on PostgreSQL when
// TEST_DATABASE_URL is set (`npm test` sets it when the local server answers; CI makes sure
// it does). Tests that need several real connections or processes live in test/postgres.
// test/restart restarts the PostgreSQL server itself, which would break every other file
// running at the same time: its project `restart` runs alone, after the others
// (`scripts/test.mjs` runs it as a second phase). test/e2e drives the console in headless
// Chromium against a real `hourglass start` on embedded PGlite: once, whatever the backend.
// test/examples starts each example of examples/ in-process on in-memory PGlite: once too.
// test/chaos proves the promises of several `hourglass start` processes while things break
// (kills, outages, network trouble, skew, rollouts, API load): small sizes inside `npm test`,
// the sizes with `npm run test:chaos` (CHAOS=full, one file at a time; see
// docs/reliability.md).
const alias = { hourglass: fileURLToPath(new URL('./src/index.ts', import.meta.url)) };
const postgres = process.env.TEST_DATABASE_URL;

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { resolve: { alias }, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        resolve: { alias },
        test: { name: 'pglite', include: ['test/integration/**/*.test.ts'], env: { HG_TEST_BACKEND: 'pglite' }, testTimeout: 60_000, hookTimeout: 120_000 },
      },
      { resolve: { alias }, test: { name: 'examples', include: ['test/examples/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 } },
      {
        resolve: { alias },
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 90_000, hookTimeout: 120_000 },
      },
      ...(postgres
        ? [
            {
              resolve: { alias },
              test: {
                name: 'postgres',
                include: ['test/integration/**/*.test.ts', 'test/postgres/**/*.test.ts'],
                env: { HG_TEST_BACKEND: 'postgres' },
                testTimeout: 120_000,
                hookTimeout: 120_000,
              },
            },
            {
              resolve: { alias },
              test: {
                name: 'chaos',
                include: ['test/chaos/**/*.test.ts'],
                globalSetup: ['test/chaos/global-setup.ts'],
                env: { HG_TEST_BACKEND: 'postgres' },
                testTimeout: 900_000,
                hookTimeout: 120_000,
              },
            },
            {
              resolve: { alias },
              test: {
                name: 'restart',
                include: ['test/restart/**/*.test.ts'],
                env: { HG_TEST_BACKEND: 'postgres' },
                testTimeout: 180_000,
                hookTimeout: 120_000,
              },
            },
          ]
        : []),
    ],
  },
});
