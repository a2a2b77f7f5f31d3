/**
 * The bare queue: the least any durable queue on PostgreSQL woken by NOTIFY must do, as a
 * reference for the latency workload. It has one table with one partial index; an enqueue is one
 * autocommitted statement that inserts a row and NOTIFYs; the worker is a LISTEN connection that,
 * on each notification, claims rows one at a time with `FOR UPDATE SKIP LOCKED` on a second
 * connection and calls the handler. There is no lease, no history, no retry, no audit, no pool.
 *
 * Its latency is the machine's floor for that design: a commit that waits for the WAL flush,
 * a notification delivered to an idle process, and one claim round trip. Hourglass's latency is
 * read against it in the same run.
 */
import pg from 'pg';
import type { BenchPayload, DriverOptions, QueueDriver } from './queue-driver.ts';

const settings = { table: 'one table, one partial index', enqueue: 'insert + NOTIFY, autocommit', claim: 'one row per statement, FOR UPDATE SKIP LOCKED' };

async function connect(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench-bare-queue' });
  await client.connect();
  return client;
}

export async function createBareQueueDriver({ spec, probe }: DriverOptions): Promise<QueueDriver> {
  if (!probe) throw new Error('the bare queue runs on PostgreSQL only');
  const table = `"${spec.schema}".queue`;
  const channel = spec.schema;
  const admin = await connect(spec.databaseUrl);
  await admin.query(`create schema if not exists "${spec.schema}"`);
  await admin.query(`create table ${table} (id bigserial primary key, payload jsonb not null, status text not null default 'pending')`);
  await admin.query(`create index on ${table} (id) where status = 'pending'`);
  let producer: pg.Client | null = null;

  return {
    settings,
    async enqueueBulk(count) {
      await admin.query(`insert into ${table} (payload) select '{}' from generate_series(1, $1::int)`, [count]);
      await admin.query(`select pg_notify($1, '')`, [channel]);
    },
    async startWorker(onRun) {
      const listener = await connect(spec.databaseUrl);
      const claimer = await connect(spec.databaseUrl);
      const claimSql = `update ${table} set status = 'running' where id = (select id from ${table} where status = 'pending' order by id limit 1 for update skip locked) returning payload`;
      let claiming = false;
      let again = false;
      // One claim loop at a time; a notification during it makes it look once more.
      async function drain(): Promise<void> {
        if (claiming) return void (again = true);
        claiming = true;
        try {
          do {
            again = false;
            for (;;) {
              const { rows } = await claimer.query<{ payload: BenchPayload }>({ name: 'claim', text: claimSql, values: [] });
              if (rows.length === 0) break;
              onRun(rows[0]!.payload);
            }
          } while (again);
        } finally {
          claiming = false;
        }
      }
      listener.on('notification', () => void drain());
      await listener.query(`listen "${channel}"`);
      await drain();
    },
    async openProducer() {
      producer = await connect(spec.databaseUrl);
    },
    async enqueueOne(payload) {
      const sql = `with inserted as (insert into ${table} (payload) values ($1) returning id) select pg_notify($2, '') from inserted`;
      await producer!.query({ name: 'enqueue', text: sql, values: [JSON.stringify(payload), channel] });
    },
    async anyUnfinished() {
      return (await probe(`select exists (select from ${table} where status = 'pending')::int as n`)) > 0;
    },
  };
}
