/**
 * A minimal graphile-worker process for the idle-RSS workload: one `noop` task, the worker
 * settings of `bench/lib/systems.ts` (BENCH_WORKER, JSON), schema BENCH_SCHEMA, DATABASE_URL.
 * Plain JavaScript run by `node`, like the Hourglass CLI, so no transpiler sits in its memory.
 */
import { Logger, run } from 'graphile-worker';

const quiet = new Logger(() => (level, message) => {
  if (level === 'error') console.error(message);
});
const runner = await run({
  ...JSON.parse(process.env.BENCH_WORKER ?? '{}'),
  connectionString: process.env.DATABASE_URL,
  schema: process.env.BENCH_SCHEMA,
  logger: quiet,
  taskList: { noop: async () => {} },
});
process.once('SIGTERM', () => runner.stop().then(() => process.exit(0)));
