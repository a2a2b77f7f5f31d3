/**
 * The scheduler's hand-off (`scheduler/tick.ts`): in a process that runs a worker, a fired run
 * the worker can start at once is inserted `running` under that worker's lease and started
 * without a claim; every other run is inserted `pending` for any worker to claim. Firing ahead
 * (`tickAhead`): such runs are inserted before their slot and started at it.
 */
import { describe, expect, test } from 'vitest';
import { pino } from 'pino';
import { defineJob } from '../../src/define.js';
import type { Logger } from '../../src/logger.js';
import type { JobRun } from '../../src/model.js';
import { tickAhead } from '../../src/scheduler/tick.js';
import { setupTestDatabase } from '../helpers/db.js';
import { setupSiblings } from '../helpers/siblings.js';
import { createTestClock } from '../helpers/clock.js';
import { createDeferred } from '../helpers/deferred.js';
import { waitFor, waitForRunStatus } from '../helpers/wait.js';

const env = setupTestDatabase();
const siblings = setupSiblings(env);

const at = (time: string) => `2026-06-01T${time}Z`;

async function setup(options: { worker?: Record<string, unknown>; schedule?: Record<string, unknown>; workerEnabled?: boolean; logger?: Logger } = {}) {
  const clock = createTestClock(at('10:00:30'));
  const gate = createDeferred<void>();
  const started: string[] = [];
  const held = defineJob({
    name: 'held',
    async run(ctx) {
      started.push(ctx.runId);
      await gate.promise;
    },
  });
  const capped = defineJob({ name: 'capped', concurrency: 5, async run() {} });
  const worker = options.workerEnabled === false ? {} : { enabled: true, leaseMs: 3_600_000, shutdownGraceMs: 200, ...options.worker };
  const hg = await env.create({ jobs: [held, capped], worker }, { clock, ...(options.logger ? { logger: options.logger } : {}) });
  if (options.workerEnabled !== false) await hg.start();
  const claimed: JobRun[] = [];
  hg.on('run:claimed', ({ run }) => claimed.push(run));
  const fire = async (input: Record<string, unknown>, time = '10:01:00') => {
    const schedule = await hg.schedules.create({ name: `s ${Math.random()}`, jobType: 'held', cronExpression: '* * * * *', ...input });
    clock.set(at(time));
    await hg.tick();
    // A handed-over run's handler starts inside the tick; a claimed one only after it returned.
    const startedInTick = [...started];
    const page = await hg.runs.list({ scheduledJobId: schedule.id, limit: 10 });
    return Object.assign(page.items, { startedInTick });
  };
  return { hg, clock, gate, started, claimed, fire };
}

describe('the scheduler hands fired runs to its own worker', () => {
  test('a run the worker can start is running under its lease when the tick returns, and its handler has started', async () => {
    const { hg, gate, claimed, fire } = await setup();
    const runs = await fire({});
    const [run] = runs;
    expect(runs.startedInTick).toEqual([run!.id]);
    expect(run).toMatchObject({ status: 'running', workerId: hg.workerId, attempt: 1, trigger: 'cron' });
    expect(run!.leaseExpiresAt!.getTime() - run!.startedAt!.getTime()).toBe(3_600_000);
    // The worker's copy, built without reading the row back, is the stored run.
    expect(claimed).toEqual([run]);
    gate.resolve();
    await waitForRunStatus(hg, run!.id, ['completed']);
    expect(await hg.runs.get(run!.id)).toMatchObject({ status: 'completed', attempt: 1, workerId: null });
  });

  test('a run the worker has no free slot for stays pending and is claimed once a slot frees', async () => {
    const { hg, gate, started, fire } = await setup({ worker: { concurrency: 1 } });
    const [first] = await fire({});
    expect(first!.status).toBe('running');
    const seconds = await fire({ overlapPolicy: 'allow' }, '10:02:00');
    const [second] = seconds;
    expect(seconds.startedInTick).toEqual([first!.id]);
    expect(second!.status).toBe('pending');
    gate.resolve();
    await waitForRunStatus(hg, second!.id, ['completed']);
    expect(started).toEqual([first!.id, second!.id]);
  });

  test('runs of a job type with a cluster-wide cap, and jittered runs, are left for a claim', async () => {
    const { hg, gate, fire } = await setup();
    const cappedRuns = await fire({ jobType: 'capped' });
    expect(cappedRuns.startedInTick).toEqual([]);
    await waitForRunStatus(hg, cappedRuns[0]!.id, ['completed']);
    const [jittered] = await fire({ jitterSeconds: 30 }, '10:02:00');
    expect(jittered!.runAfter.getTime()).toBeGreaterThan(jittered!.scheduledFor!.getTime());
    expect(jittered!.status).toBe('pending');
    gate.resolve();
  });

  test('with a tenant cap, or without a worker in the process, nothing is handed over', async () => {
    const tenantCapped = await setup({ worker: { tenantConcurrency: 2 } });
    const runs = await tenantCapped.fire({});
    expect(runs.startedInTick).toEqual([]);
    await waitFor(() => tenantCapped.started.includes(runs[0]!.id), { message: 'the claimed run to start' });
    tenantCapped.gate.resolve();

    const schedulerOnly = await setup({ workerEnabled: false });
    const [lone] = await schedulerOnly.fire({});
    expect(lone).toMatchObject({ status: 'pending', workerId: null, attempt: 0 });
  });
});

describe('firing ahead of the slot', () => {
  const slot = new Date(at('10:01:00'));

  test('inserts the run running under the worker\'s lease from the slot, and starts its handler only when told to', async () => {
    const { hg, gate, started } = await setup();
    const schedule = await hg.schedules.create({ name: 'ahead', jobType: 'held', cronExpression: '* * * * *' });
    const ahead = await tickAhead(await hg.ready(), slot);
    expect(ahead?.result).toMatchObject({ schedules: 1, runs: 1, hasMore: false });
    const [run] = (await hg.runs.list({ scheduledJobId: schedule.id })).items;
    expect(run).toMatchObject({ status: 'running', workerId: hg.workerId, attempt: 1, scheduledFor: slot, startedAt: slot });
    expect(await hg.schedules.get(schedule.id)).toMatchObject({ runCount: 1, nextRunAt: new Date(at('10:02:00')) });
    expect(started).toEqual([]);

    ahead!.start();
    await waitFor(() => started.includes(run!.id), { message: 'the handler to start' });
    gate.resolve();
    await waitForRunStatus(hg, run!.id, ['completed']);
  });

  test('writes nothing when the slot depends on its instant or the run would wait for a claim', async () => {
    const cases: Array<{ name: string; worker?: Record<string, unknown>; workerEnabled?: boolean; schedule?: Record<string, unknown>; busy?: boolean }> = [
      { name: 'overlap policy with a run still active', schedule: { overlapPolicy: 'skip' }, busy: true },
      { name: 'no free worker slot', worker: { concurrency: 1 }, schedule: { overlapPolicy: 'allow' }, busy: true },
      { name: 'jittered run', schedule: { jitterSeconds: 30 } },
      { name: 'job type with a cluster-wide cap', schedule: { jobType: 'capped' } },
      { name: 'no worker in the process', workerEnabled: false },
    ];
    for (const { name, worker, workerEnabled, schedule: input, busy } of cases) {
      const { hg, gate, fire } = await setup({ worker, workerEnabled });
      const schedule = await hg.schedules.create({ name, jobType: 'held', cronExpression: '* * * * *', ...input });
      // The tick at 10:01 fires this schedule too: its run holds the worker (and the schedule's
      // overlap) while 10:02 comes due.
      if (busy) await fire({ overlapPolicy: 'allow' });
      const before = await hg.schedules.get(schedule.id);
      const runsBefore = (await hg.runs.list({ limit: 50 })).items.length;
      expect(await tickAhead(await hg.ready(), before.nextRunAt!), name).toBeNull();
      expect((await hg.runs.list({ limit: 50 })).items.length, name).toBe(runsBefore);
      expect(await hg.schedules.get(schedule.id), name).toMatchObject({ runCount: before.runCount, nextRunAt: before.nextRunAt });
      gate.resolve();
    }
  });

  test('a target that does not resolve here is logged once, by the tick at the slot, when the tick ahead rolls back', async () => {
    const logs: Array<{ msg: string; schedule?: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    const { hg, clock } = await setup({ logger });
    // Another process of the cluster knows the group; this one does not.
    const elsewhere = defineJob({ name: 'elsewhere', group: 'other-app', async run() {} });
    const sibling = await siblings.create(hg, { jobs: [elsewhere] }, { clock });
    await sibling.schedules.create({ name: 'unresolved', jobGroup: 'other-app', cronExpression: '* * * * *' });
    // A jittered run at the same slot refuses the tick ahead.
    await hg.schedules.create({ name: 'jittered', jobType: 'held', cronExpression: '* * * * *', jitterSeconds: 30 });
    expect(await tickAhead(await hg.ready(), slot)).toBeNull();
    clock.set(slot);
    expect(await hg.tick()).toMatchObject({ schedules: 2, runs: 1, missed: 1 });
    const unresolved = logs.filter((line) => line.msg === 'cannot fire schedule: its target does not resolve');
    expect(unresolved).toMatchObject([{ schedule: 'unresolved' }]);
  });

  test('writes nothing when nothing is due at the instant', async () => {
    const { hg } = await setup();
    await hg.schedules.create({ name: 'later', jobType: 'held', cronExpression: '* * * * *' });
    expect(await tickAhead(await hg.ready(), new Date(at('10:00:45')))).toBeNull();
    expect((await hg.runs.list({})).items).toEqual([]);
  });
});
