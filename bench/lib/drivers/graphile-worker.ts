/**
 * graphile-worker as a queue driver (PostgreSQL only: it needs a `pg` pool). The worker is
 * `run()` with the settings of `systems.ts`; bulk enqueue and the producer are a WorkerUtils
 * instance, a pool of its own. A completed job's row is deleted, so all are finished when no row
 * is left.
 */
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import { graphileWorkerSettings } from '../systems.ts';
import type { BenchPayload, DriverOptions, QueueDriver } from './queue-driver.ts';

/** graphile-worker logs job starts and completions at info; the benchmark keeps only errors. */
export const errorsOnlyLogger = new Logger(() => (level, message) => {
  if (level === 'error') console.error(`graphile-worker: ${message}`);
});

export async function createGraphileWorkerDriver({ spec, concurrency, probe }: DriverOptions): Promise<QueueDriver> {
  if (!probe) throw new Error('graphile-worker runs on PostgreSQL only');
  const connection = { connectionString: spec.databaseUrl, schema: spec.schema, logger: errorsOnlyLogger };
  const utils = await makeWorkerUtils(connection);
  await utils.migrate();
  const settings = graphileWorkerSettings(concurrency);
  const unfinishedSql = `select exists (select from "${spec.schema}"._private_jobs)::int as n`;

  return {
    settings,
    async enqueueBulk(count) {
      await utils.addJobs(Array.from({ length: count }, () => ({ identifier: 'noop', payload: {} })));
    },
    async startWorker(onRun) {
      await run({ ...connection, ...settings, taskList: { noop: async (payload) => onRun(payload as BenchPayload) } });
    },
    async openProducer() {
      // The WorkerUtils above is already a client separate from the runner's pool.
    },
    async enqueueOne(payload) {
      await utils.addJob('noop', payload);
    },
    async anyUnfinished() {
      return (await probe(unfinishedSql)) > 0;
    },
  };
}
