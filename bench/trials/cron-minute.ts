/**
 * Cron precision of a peer: both support per-minute schedules only, so each runs `* * * * *`
 * and lateness is the handler's start after the minute. graphile-worker's crontab payload
 * carries the slot (`_cron.ts`); pg-boss's job does not, so its slot is the minute the handler
 * starts in (lateness stays far below a minute). Only slots after the worker is up count; the
 * trial ends after `slots` of them.
 */
import { run } from 'graphile-worker';
import { PgBoss } from 'pg-boss';
import { runTrial, waitUntil } from '../lib/trial-io.ts';
import { SystemName, graphileWorkerSettings, pgBossCronSettings, pgBossQueueSettings, pgBossWorkSettings } from '../lib/systems.ts';
import { summarizeLateness } from '../lib/stats.ts';
import { errorsOnlyLogger } from '../lib/drivers/graphile-worker.ts';
import { reportErrors } from '../lib/drivers/pg-boss.ts';
import type { TrialSpec } from '../lib/trial.ts';

const MINUTE_MS = 60_000;

interface Slot {
  slotAt: number;
  startedAt: number;
}

async function startGraphileWorker(spec: TrialSpec, record: (slot: Slot) => void): Promise<Record<string, unknown>> {
  const settings = { ...graphileWorkerSettings(10), crontab: '* * * * * noop' };
  await run({
    ...settings,
    connectionString: spec.databaseUrl,
    schema: spec.schema,
    logger: errorsOnlyLogger,
    taskList: {
      noop: async (payload) => {
        const startedAt = Date.now();
        record({ slotAt: Date.parse((payload as { _cron: { ts: string } })._cron.ts), startedAt });
      },
    },
  });
  return settings;
}

async function startPgBoss(spec: TrialSpec, record: (slot: Slot) => void): Promise<Record<string, unknown>> {
  const instance = pgBossCronSettings();
  const boss = reportErrors(new PgBoss({ connectionString: spec.databaseUrl, schema: spec.schema, ...instance }));
  await boss.start();
  await boss.createQueue('noop', pgBossQueueSettings());
  const work = pgBossWorkSettings(10);
  await boss.work('noop', work, async () => {
    const startedAt = Date.now();
    record({ slotAt: Math.floor(startedAt / MINUTE_MS) * MINUTE_MS, startedAt });
  });
  await boss.schedule('noop', '* * * * *');
  return { instance, queue: pgBossQueueSettings(), work, cron: '* * * * *' };
}

await runTrial(async (spec) => {
  const wanted = Number(spec.params.slots);
  const slots: Slot[] = [];
  let readyAt = Number.POSITIVE_INFINITY;
  const record = (slot: Slot) => {
    if (slot.slotAt > readyAt) slots.push(slot);
  };
  const settings = spec.system === SystemName.graphileWorker ? await startGraphileWorker(spec, record) : await startPgBoss(spec, record);
  readyAt = Date.now();
  await waitUntil(() => slots.length >= wanted, spec.timeoutMs, `${wanted} per-minute slots`, 1000);
  const samples = slots.slice(0, wanted).map((slot) => slot.startedAt - slot.slotAt);
  const { p50Ms, p95Ms, p99Ms, maxMs } = summarizeLateness(samples);
  return { figures: { p50Ms, p95Ms, p99Ms, maxMs, slots: samples.length }, settings, samples };
});
