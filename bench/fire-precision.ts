/**
 * Fire precision: how late after its slot does a run start? A per-second schedule with a
 * no-op handler runs for N slots on an otherwise idle instance; lateness is
 * `started_at − scheduled_for` as the database records it (claim time), plus the handler's own
 * start as seen in this process.
 *
 *   npm run bench:precision                  # embedded PGlite, 120 slots
 *   DATABASE_URL=postgres://... npm run bench:precision -- --slots 200
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createHourglass, defineJob } from 'hourglass';

const { values } = parseArgs({ options: { slots: { type: 'string', default: '120' } } });
const slots = Number(values.slots);
const databaseUrl = process.env.DATABASE_URL;
const handlerLateness: number[] = [];

const noop = defineJob({
  name: 'noop',
  run(ctx) {
    if (ctx.scheduledFor) handlerLateness.push(Date.now() - ctx.scheduledFor.getTime());
  },
});

const hourglass = createHourglass({
  databaseUrl,
  dataDir: 'memory://',
  schema: `bench_precision_${process.pid}`,
  logLevel: (process.env.LOG_LEVEL as 'warn') ?? 'warn',
  jobs: [noop],
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarize(label: string, values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const fmt = (n: number) => `${n.toFixed(2)} ms`;
  console.log(`${label.padEnd(34)} n=${sorted.length}  p50 ${fmt(percentile(sorted, 50))}  p95 ${fmt(percentile(sorted, 95))}  p99 ${fmt(percentile(sorted, 99))}  max ${fmt(sorted.at(-1)!)}`);
}

await hourglass.start();
const runtime = await hourglass.ready();
const schedule = await hourglass.schedules.create({ name: 'every second', jobType: 'noop', cronExpression: '* * * * * *', overlapPolicy: 'allow' });
const deadline = Date.now() + (slots + 30) * 1000;
for (;;) {
  const { rows } = await runtime.db.query<{ n: number }>(
    `select count(*)::int as n from ${runtime.schema.quoted}.job_runs where scheduled_job_id = $1 and status = 'completed'`,
    [schedule.id],
  );
  if (rows[0]!.n >= slots + 1 || Date.now() > deadline) break;
  await new Promise((resolve) => setTimeout(resolve, 500));
}
await hourglass.schedules.disable(schedule.id);
const { rows } = await runtime.db.query<{ lateness_ms: number }>(
  `select extract(epoch from (started_at - scheduled_for)) * 1000 as lateness_ms
   from ${runtime.schema.quoted}.job_runs where scheduled_job_id = $1 and status = 'completed'
   order by scheduled_for offset 1`, // the first slot can be partial while the process warms up
  [schedule.id],
);
console.log(`fire precision on ${databaseUrl ? 'PostgreSQL' : 'embedded PGlite'}, per-second schedule, ${rows.length} slots`);
summarize('started_at - scheduled_for (db)', rows.map((row) => Number(row.lateness_ms)));
summarize('handler start - slot (process)', handlerLateness.slice(1));
await hourglass.stop();
if (databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`drop schema ${runtime.schema.quoted} cascade`);
  await client.end();
}
