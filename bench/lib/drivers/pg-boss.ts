/**
 * pg-boss as a queue driver, on PostgreSQL (its own pool) or PGlite (`fromPglite` over one
 * embedded instance, `backend: 'pglite'`). The producer is a second PgBoss instance that only
 * sends: no supervision, no cron.
 */
import { PGlite } from '@electric-sql/pglite';
import { PgBoss, fromPglite } from 'pg-boss';
import { Backend } from '../trial.ts';
import { pgBossInstanceSettings, pgBossQueueSettings, pgBossWorkSettings } from '../systems.ts';
import type { BenchPayload, DriverOptions, QueueDriver } from './queue-driver.ts';

const QUEUE = 'noop';

/** pg-boss emits `error` events; without a listener they would crash the trial silently. */
export function reportErrors(boss: PgBoss): PgBoss {
  boss.on('error', (error) => console.error(`pg-boss: ${error.message}`));
  return boss;
}

export async function createPgBossDriver({ spec, concurrency, probe }: DriverOptions): Promise<QueueDriver> {
  const pglite = spec.backend === Backend.pglite ? new PGlite() : null;
  const connection = pglite ? { db: fromPglite(pglite), backend: 'pglite' as const } : { connectionString: spec.databaseUrl };
  const instance = pgBossInstanceSettings();
  const boss = reportErrors(new PgBoss({ ...connection, schema: spec.schema, ...instance }));
  await boss.start();
  await boss.createQueue(QUEUE, pgBossQueueSettings());
  const work = pgBossWorkSettings(concurrency);
  const unfinishedSql = `select exists (select from "${spec.schema}".job where name = $1 and state < 'completed')::int as n`;
  let producer: PgBoss | null = null;

  return {
    settings: { instance, queue: pgBossQueueSettings(), work, ...(pglite ? { backend: 'pglite' } : {}) },
    async enqueueBulk(count) {
      await boss.insert(QUEUE, Array.from({ length: count }, () => ({ data: {} })));
    },
    async startWorker(onRun) {
      await boss.work<BenchPayload>(QUEUE, work, async (jobs) => {
        for (const job of jobs) onRun(job.data);
      });
    },
    async openProducer() {
      producer = reportErrors(new PgBoss({ connectionString: spec.databaseUrl, schema: spec.schema, supervise: false, schedule: false }));
      await producer.start();
    },
    async enqueueOne(payload) {
      await producer!.send(QUEUE, { ...payload });
    },
    async anyUnfinished() {
      return (probe ? await probe(unfinishedSql, [QUEUE]) : Number((await pglite!.query<{ n: number }>(unfinishedSql, [QUEUE])).rows[0]!.n)) > 0;
    },
  };
}
