/**
 * Throughput trial: one system, one phase, in a fresh process and schema.
 *
 * - `phase=enqueue`: the time of the bulk enqueue call alone, into an empty queue, no worker.
 * - `phase=process`: `runs` no-op runs are enqueued first (untimed), then the clock runs from
 *   starting the worker at `concurrency` to the probe poll at which the database holds no
 *   unfinished run (polled every 20 ms, on a separate connection on PostgreSQL).
 */
import { Backend } from '../lib/trial.ts';
import { openPostgresProbe, pollUntil, runTrial } from '../lib/trial-io.ts';
import { createQueueDriver } from '../lib/drivers/queue-driver.ts';

await runTrial(async (spec) => {
  const runs = Number(spec.params.runs);
  const concurrency = Number(spec.params.concurrency);
  const postgres = spec.backend === Backend.postgres ? await openPostgresProbe(spec.databaseUrl) : null;
  const driver = await createQueueDriver({ spec, concurrency, probe: postgres?.probe ?? null });

  if (spec.params.phase === 'enqueue') {
    const started = performance.now();
    await driver.enqueueBulk(runs);
    const ms = performance.now() - started;
    return { figures: { ms, runsPerSecond: (runs / ms) * 1000 }, settings: driver.settings };
  }

  await driver.enqueueBulk(runs);
  const started = performance.now();
  await driver.startWorker(() => {});
  const done = await pollUntil(async () => !(await driver.anyUnfinished()), spec.timeoutMs, () => `${runs} runs to finish`);
  const ms = done - started;
  return { figures: { ms, runsPerSecond: (runs / ms) * 1000 }, settings: driver.settings };
});
