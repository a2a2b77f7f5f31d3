/**
 * Latency trial: `runs` runs enqueued one at a time, `gapMs` apart, to an idle worker at
 * concurrency 10, by a producer that is a separate client of the same queue (so the wake-up
 * goes through the database's NOTIFY). Latency = handler start − the instant just before the
 * enqueue call, both `performance.now()` in this process.
 *
 * Five warm-up runs go first and are not counted: they open the producer's connection and
 * settle the worker, which the measured runs should find idle and connected.
 */
import { openPostgresProbe, runTrial, sleep, waitUntil } from '../lib/trial-io.ts';
import { createQueueDriver } from '../lib/drivers/queue-driver.ts';
import { summarizeLateness } from '../lib/stats.ts';

const WARM_UP_RUNS = 5;

await runTrial(async (spec) => {
  const runs = Number(spec.params.runs);
  const gapMs = Number(spec.params.gapMs);
  const { probe } = await openPostgresProbe(spec.databaseUrl);
  const driver = await createQueueDriver({ spec, concurrency: 10, probe });
  const enqueuedAt = new Array<number>(runs);
  const startedAt = new Array<number>(runs);
  let started = 0;
  let warmedUp = 0;
  await driver.startWorker((payload) => {
    const now = performance.now();
    const index = payload.i ?? -1;
    if (index < 0) warmedUp += 1;
    else if (startedAt[index] === undefined) {
      startedAt[index] = now;
      started += 1;
    }
  });
  await driver.openProducer();
  for (let i = 0; i < WARM_UP_RUNS; i++) await driver.enqueueOne({ i: -1 - i });
  await waitUntil(() => warmedUp >= WARM_UP_RUNS, spec.timeoutMs, 'the warm-up runs');
  await sleep(500);

  const base = performance.now();
  for (let i = 0; i < runs; i++) {
    const due = base + i * gapMs;
    const now = performance.now();
    if (due > now) await sleep(due - now);
    enqueuedAt[i] = performance.now();
    await driver.enqueueOne({ i });
  }
  await waitUntil(() => started >= runs, spec.timeoutMs, `${runs} handler starts`);
  const latencies = enqueuedAt.map((at, i) => startedAt[i]! - at);
  const { p50Ms, p95Ms, p99Ms, maxMs } = summarizeLateness(latencies);
  return { figures: { p50Ms, p95Ms, p99Ms, maxMs }, settings: driver.settings };
});
