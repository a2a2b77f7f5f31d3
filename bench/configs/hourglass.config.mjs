/**
 * The config of the idle-RSS workload's Hourglass process, the real CLI:
 * `node dist/cli/main.js worker --config bench/configs/hourglass.config.mjs`. An `.mjs` file,
 * as docs/operations.md advises for worker-only processes (no TypeScript loader in memory).
 * One `noop` job type; the orchestrator passes the schema (BENCH_SCHEMA) and the worker settings of
 * `bench/lib/systems.ts` (BENCH_WORKER, JSON); the connection is DATABASE_URL.
 */
import { defineConfig, defineJob } from 'hourglass';

export default defineConfig({
  schema: process.env.BENCH_SCHEMA,
  logLevel: 'warn',
  jobs: [defineJob({ name: 'noop', run() {} })],
  worker: JSON.parse(process.env.BENCH_WORKER ?? '{}'),
});
