/**
 * Hourglass as a queue driver. The worker instance runs the worker role only; the producer is a
 * second instance on the same schema with neither role, so a run it enqueues reaches the worker
 * through the database's NOTIFY. On PGlite (`dataDir: 'memory://'`) there is one instance and no
 * producer: the latency workload runs on PostgreSQL only.
 */
import { createHourglass, defineJob, type Hourglass } from 'hourglass';
import { Backend } from '../trial.ts';
import { hourglassWorkerSettings } from '../systems.ts';
import type { BenchPayload, DriverOptions, QueueDriver } from './queue-driver.ts';

export async function createHourglassDriver({ spec, concurrency, probe }: DriverOptions): Promise<QueueDriver> {
  let onRun: (payload: BenchPayload) => void = () => {};
  const noop = defineJob<BenchPayload>({ name: 'noop', run: (ctx) => onRun(ctx.payload) });
  const connection = spec.backend === Backend.pglite ? { dataDir: 'memory://' } : { databaseUrl: spec.databaseUrl };
  const settings = { logLevel: 'warn' as const, scheduler: { enabled: false }, worker: hourglassWorkerSettings(concurrency) };
  const hourglass = createHourglass({ ...connection, ...settings, schema: spec.schema, jobs: [noop] });
  const runtime = await hourglass.ready();
  // A pending or running run, each found through its partial index.
  const runs = `${runtime.schema.quoted}.job_runs`;
  const unfinishedSql = `select (exists (select from ${runs} where status = 'pending') or exists (select from ${runs} where status = 'running'))::int as n`;
  let producer: Hourglass | null = null;

  return {
    settings: spec.backend === Backend.pglite ? { dataDir: 'memory://', ...settings } : settings,
    async enqueueBulk(count) {
      await hourglass.runs.enqueueMany(Array.from({ length: count }, () => ({ jobType: 'noop', payload: {} })));
    },
    async startWorker(handler) {
      onRun = handler;
      await hourglass.start();
    },
    async openProducer() {
      producer = createHourglass({ databaseUrl: spec.databaseUrl, schema: spec.schema, logLevel: 'warn', jobs: [noop], worker: { enabled: false }, scheduler: { enabled: false } });
      await producer.ready();
    },
    async enqueueOne(payload) {
      await producer!.runs.enqueue({ jobType: 'noop', payload: { ...payload } });
    },
    async anyUnfinished() {
      return (probe ? await probe(unfinishedSql) : Number((await runtime.db.query<{ n: number }>(unfinishedSql)).rows[0]!.n)) > 0;
    },
  };
}
