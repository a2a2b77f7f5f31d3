/**
 * Cron precision of Hourglass: a per-second schedule (`* * * * * *`, overlap `allow`) on one
 * instance running scheduler and worker, for `durationMs`. Lateness is the handler's start
 * after its slot, `Date.now() − ctx.scheduledFor`; the first slot is skipped (it can fall while
 * the process is still starting).
 */
import { createHourglass, defineJob } from 'hourglass';
import { runTrial, sleep } from '../lib/trial-io.ts';
import { hourglassWorkerSettings } from '../lib/systems.ts';
import { summarizeLateness } from '../lib/stats.ts';

await runTrial(async (spec) => {
  const lateness: number[] = [];
  const noop = defineJob({
    name: 'noop',
    run(ctx) {
      if (ctx.scheduledFor) lateness.push(Date.now() - ctx.scheduledFor.getTime());
    },
  });
  const settings = { logLevel: 'warn' as const, worker: hourglassWorkerSettings(10) };
  const hourglass = createHourglass({ ...settings, databaseUrl: spec.databaseUrl, schema: spec.schema, jobs: [noop] });
  await hourglass.start();
  const schedule = { name: 'bench per-second', jobType: 'noop', cronExpression: '* * * * * *', overlapPolicy: 'allow' as const };
  await hourglass.schedules.create(schedule);
  await sleep(Number(spec.params.durationMs));
  const samples = lateness.slice(1);
  if (samples.length === 0) throw new Error('the per-second schedule fired no run after its first');
  const { p50Ms, p95Ms, p99Ms, maxMs } = summarizeLateness(samples);
  return { figures: { p50Ms, p95Ms, p99Ms, maxMs, slots: samples.length }, settings: { ...settings, schedule }, samples };
});
