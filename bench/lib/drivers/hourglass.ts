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
  // Unfinished runs, through the partial indexes of pending and running runs: counting the
  // completed ones would scan the whole table on every poll, work the other systems never pay.
  const remainingSql = `select count(*)::int as n from ${runtime.schema.quoted}.job_runs where status in ('pending', 'running')`;
  let producer: Hourglass | null = null;
  let enqueued = 0;

  return {
    settings: spec.backend === Backend.pglite ? { dataDir: 'memory://', ...settings } : settings,
    async enqueueBulk(count) {
      await hourglass.runs.enqueueMany(Array.from({ length: count }, () => ({ jobType: 'noop', payload: {} })));
      enqueued += count;
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
      enqueued += 1;
    },
    async countCompleted() {
      const remaining = probe ? await probe(remainingSql) : Number((await runtime.db.query<{ n: number }>(remainingSql)).rows[0]!.n);
      return enqueued - remaining;
    },
  };
}
