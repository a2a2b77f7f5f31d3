/**
 * A minimal pg-boss worker process for the idle-RSS workload: one `noop` queue worked with the
 * settings of `bench/lib/systems.ts` (BENCH_INSTANCE, BENCH_QUEUE, BENCH_WORKER, JSON), schema
 * BENCH_SCHEMA, DATABASE_URL. Plain JavaScript run by `node`, like the Hourglass CLI.
 */
import { PgBoss } from 'pg-boss';

const boss = new PgBoss({ ...JSON.parse(process.env.BENCH_INSTANCE ?? '{}'), connectionString: process.env.DATABASE_URL, schema: process.env.BENCH_SCHEMA });
boss.on('error', (error) => console.error(error.message));
await boss.start();
await boss.createQueue('noop', JSON.parse(process.env.BENCH_QUEUE ?? '{}'));
await boss.work('noop', JSON.parse(process.env.BENCH_WORKER ?? '{}'), async () => {});
process.once('SIGTERM', () => boss.stop({ graceful: false }).then(() => process.exit(0)));
