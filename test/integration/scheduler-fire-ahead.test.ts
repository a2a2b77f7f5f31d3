/**
 * The running scheduler fires a slot ahead of it when its own worker will run the handlers
 * (`scheduler.fireAheadMs`, `scheduler/scheduler.ts`): the tick commits before the slot and
 * the handler starts at the slot, never before it. The real clock runs here; `fireAheadMs` is
 * wide (500 ms) so that the tick is done before its slot even on a loaded machine.
 */
import { describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import { setupTestDatabase } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

const env = setupTestDatabase();

interface Slot {
  slot: number;
  firedAt?: number;
  startedAt?: number;
}

async function setup() {
  const slots = new Map<number, Slot>();
  const slotOf = (at: Date) => slots.get(at.getTime()) ?? slots.set(at.getTime(), { slot: at.getTime() }).get(at.getTime())!;
  const tick = defineJob({
    name: 'tick',
    run(ctx) {
      slotOf(ctx.scheduledFor!).startedAt ??= Date.now();
    },
  });
  const hg = await env.create({ jobs: [tick], scheduler: { enabled: true, fireAheadMs: 500 }, worker: { enabled: true, shutdownGraceMs: 200 } });
  hg.on('schedule:fired', ({ slot }) => {
    if (slot) slotOf(slot).firedAt ??= Date.now();
  });
  await hg.start();
  return { hg, slots };
}

describe('a scheduler firing ahead of the slot', () => {
  test('starts each handler at its slot, never before, from a tick that committed before the slot', async () => {
    const { hg, slots } = await setup();
    await hg.schedules.create({ name: 'every second', jobType: 'tick', cronExpression: '* * * * * *', overlapPolicy: 'allow' });
    const started = () => [...slots.values()].filter((slot) => slot.startedAt !== undefined);
    await waitFor(() => started().length >= 3, { message: 'three slots to start', timeoutMs: 15_000 });
    await hg.stop();
    for (const { slot, startedAt } of started()) expect(startedAt).toBeGreaterThanOrEqual(slot);
    // Each slot was fired by one tick; at least one of them committed ahead of its slot.
    expect(started().some(({ slot, firedAt }) => firedAt !== undefined && firedAt < slot)).toBe(true);
    const runs = (await hg.runs.list({ limit: 50 })).items;
    expect(new Set(runs.map((run) => run.scheduledFor?.getTime())).size).toBe(runs.length);
  });

  test('stopping while a fired run waits for its slot hands the run back, unstarted', async () => {
    const { hg, slots } = await setup();
    let stopping: Promise<void> | null = null;
    let stoppedBefore: number | null = null;
    hg.on('schedule:fired', ({ slot }) => {
      if (stopping || !slot || Date.now() >= slot.getTime()) return;
      stoppedBefore = slot.getTime();
      stopping = hg.stop();
    });
    await hg.schedules.create({ name: 'every second', jobType: 'tick', cronExpression: '* * * * * *', overlapPolicy: 'allow' });
    await waitFor(() => stoppedBefore !== null, { message: 'a slot fired ahead', timeoutMs: 15_000 });
    await stopping;
    expect(slots.get(stoppedBefore!)?.startedAt).toBeUndefined();
    const [run] = (await hg.runs.list({ limit: 50 })).items.filter((run) => run.scheduledFor?.getTime() === stoppedBefore);
    expect(run).toMatchObject({ status: 'pending', workerId: null });
  });
});
