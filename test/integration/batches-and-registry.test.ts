/**
 * Execution modes and the job registry (SPEC §5): batches with dependency edges, dependency
 * order and cancellation, pipelines with per-step metrics, start-up checks of the registry,
 * and the cluster-wide per-job-type concurrency cap (SPEC §4).
 */
import { describe, expect, test } from 'vitest';
import { createHourglass } from '../../src/hourglass.js';
import { defineJob, defineSchedule, type JobDefinition } from '../../src/define.js';
import { HourglassError, NonRetryableError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import type { Hourglass } from '../../src/hourglass.js';
import type { JobRun } from '../../src/model.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock } from '../helpers/clock.js';
import { createDeferred } from '../helpers/deferred.js';
import { setupSiblings } from '../helpers/siblings.js';
import { waitForRunStatus } from '../helpers/wait.js';

const env = setupTestDatabase();
const siblings = setupSiblings(env);

/** extract → transform → load in group `etl`; audit (group `ops`) also needs extract. */
function createEtlJobs(options: { order?: string[]; extractFailures?: number } = {}) {
  let extractCalls = 0;
  const record = (name: string) => async (ctx: { payload: Record<string, unknown> }) => {
    options.order?.push(name);
    if (name === 'extract') {
      extractCalls += 1;
      if (ctx.payload.failExtract) throw new NonRetryableError('source unreachable');
      if (extractCalls <= (options.extractFailures ?? 0)) throw new Error('flaky source');
    }
    return name;
  };
  return [
    defineJob({ name: 'extract', group: 'etl', run: record('extract') }),
    defineJob({ name: 'transform', group: 'etl', dependsOn: ['extract'], run: record('transform') }),
    defineJob({ name: 'load', group: 'etl', dependsOn: ['transform'], run: record('load') }),
    defineJob({ name: 'audit', group: 'ops', dependsOn: ['extract'], run: record('audit') }),
  ];
}

function byJobType(runs: readonly JobRun[]): Record<string, JobRun> {
  return Object.fromEntries(runs.map((run) => [run.jobType, run]));
}

async function triggerBatch(hg: Hourglass, target: Record<string, unknown>, payload?: Record<string, unknown>) {
  const schedule = await hg.schedules.create({ name: `batch ${JSON.stringify(target)}`, cronExpression: '0 3 * * *', ...target });
  const fired = await hg.schedules.trigger(schedule.id, payload ? { payload } : {});
  const runs = await Promise.all(fired.runs.map((run) => hg.runs.get(run.id)));
  return { schedule, runs, byType: byJobType(runs) };
}

describe('execution modes', () => {
  test('a single_job schedule creates one run, without batch or dependencies', async () => {
    const hg = await env.create({ jobs: createEtlJobs() });
    const { runs } = await triggerBatch(hg, { jobType: 'transform' });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ jobType: 'transform', trigger: 'manual', status: 'pending', batchId: null, dependsOn: [] });
  });

  test('a group schedule creates one run per job type of the group with depends_on edges', async () => {
    const hg = await env.create({ jobs: createEtlJobs() });
    const { schedule, runs, byType } = await triggerBatch(hg, { jobGroup: 'etl' });
    expect(schedule.executionMode).toBe('group');
    expect(runs.map((run) => run.jobType)).toEqual(['extract', 'transform', 'load']);
    const batchId = runs[0]!.batchId;
    expect(batchId).toEqual(expect.any(String));
    expect(runs.every((run) => run.batchId === batchId && run.scheduledJobId === schedule.id)).toBe(true);
    expect(byType.extract!.dependsOn).toEqual([]);
    expect(byType.transform!.dependsOn).toEqual([byType.extract!.id]);
    expect(byType.load!.dependsOn).toEqual([byType.transform!.id]);
    expect((await hg.runs.list({ batchId: batchId! })).items).toHaveLength(3);
  });

  test('an all_jobs schedule covers every code job type but not the built-in ones', async () => {
    const hg = await env.create({ jobs: createEtlJobs() });
    expect(hg.registry.get('http')).toBeDefined();
    const { schedule, runs, byType } = await triggerBatch(hg, { executionMode: 'all_jobs' });
    expect(schedule.executionMode).toBe('all_jobs');
    expect(runs.map((run) => run.jobType).sort()).toEqual(['audit', 'extract', 'load', 'transform']);
    expect(new Set(runs.map((run) => run.batchId)).size).toBe(1);
    expect(byType.transform!.dependsOn).toEqual([byType.extract!.id]);
    expect(byType.load!.dependsOn).toEqual([byType.transform!.id]);
    expect(byType.audit!.dependsOn).toEqual([byType.extract!.id]);
  });

  test('a custom schedule keeps only the edges inside its list', async () => {
    const hg = await env.create({ jobs: createEtlJobs() });
    const { schedule, runs, byType } = await triggerBatch(hg, { jobTypes: ['load', 'audit', 'extract'] });
    expect(schedule.executionMode).toBe('custom');
    expect(runs.map((run) => run.jobType).sort()).toEqual(['audit', 'extract', 'load']);
    expect(new Set(runs.map((run) => run.batchId)).size).toBe(1);
    expect(byType.audit!.dependsOn).toEqual([byType.extract!.id]);
    expect(byType.load!.dependsOn).toEqual([]);
  });

  test('a due slot of a group schedule fires the batch with the slot recorded', async () => {
    const clock = createTestClock('2026-01-01T02:59:00Z');
    const hg = await env.create({ jobs: createEtlJobs() }, { clock });
    const schedule = await hg.schedules.create({ name: 'nightly etl', jobGroup: 'etl', cronExpression: '0 3 * * *' });
    clock.set('2026-01-01T03:00:00Z');
    expect(await hg.tick()).toMatchObject({ schedules: 1, runs: 3 });
    const runs = byJobType((await hg.runs.list({ scheduledJobId: schedule.id })).items);
    expect(Object.keys(runs).sort()).toEqual(['extract', 'load', 'transform']);
    for (const run of Object.values(runs)) {
      expect(run).toMatchObject({ trigger: 'cron', batchId: runs.extract!.batchId });
      expect(run.scheduledFor?.toISOString()).toBe('2026-01-01T03:00:00.000Z');
    }
    expect(runs.load!.dependsOn).toEqual([runs.transform!.id]);
  });
});

describe('dependency order', () => {
  test('a worker runs a batch in dependency order', async () => {
    const order: string[] = [];
    const hg = await env.create({ jobs: createEtlJobs({ order }), worker: { enabled: true, concurrency: 4 } });
    await hg.start();
    const { runs, byType } = await triggerBatch(hg, { executionMode: 'all_jobs' });
    const done = byJobType(await Promise.all(runs.map((run) => waitForRunStatus(hg, run.id, ['completed']))));

    expect(order.indexOf('extract')).toBe(0);
    expect(order.indexOf('transform')).toBeLessThan(order.indexOf('load'));
    expect(order).toHaveLength(4);
    const finished = (type: string) => done[type]!.finishedAt!.getTime();
    const started = (type: string) => done[type]!.startedAt!.getTime();
    expect(started('transform')).toBeGreaterThanOrEqual(finished('extract'));
    expect(started('audit')).toBeGreaterThanOrEqual(finished('extract'));
    expect(started('load')).toBeGreaterThanOrEqual(finished('transform'));
    expect(byType.load!.dependsOn).toEqual([byType.transform!.id]);
  });

  test('a dependency that fails an attempt but succeeds on retry lets its dependents run', async () => {
    const order: string[] = [];
    const hg = await env.create({ jobs: createEtlJobs({ order, extractFailures: 1 }), worker: { enabled: true } });
    await hg.start();
    const { runs, byType } = await triggerBatch(hg, { jobGroup: 'etl' });
    for (const run of runs) await waitForRunStatus(hg, run.id, ['completed']);
    expect(order).toEqual(['extract', 'extract', 'transform', 'load']);
    expect((await hg.runs.get(byType.extract!.id)).attempt).toBe(2);
  });
});

describe('dependency failure', () => {
  test('a failed dependency cancels its dependents, transitively', async () => {
    const order: string[] = [];
    const hg = await env.create({ jobs: createEtlJobs({ order }), worker: { enabled: true } });
    await hg.start();
    const { byType } = await triggerBatch(hg, { executionMode: 'all_jobs' }, { failExtract: true });

    const extract = await waitForRunStatus(hg, byType.extract!.id, ['failed']);
    expect(extract.errorMessage).toBe('source unreachable');
    const transform = await waitForRunStatus(hg, byType.transform!.id, ['cancelled']);
    const audit = await waitForRunStatus(hg, byType.audit!.id, ['cancelled']);
    const load = await waitForRunStatus(hg, byType.load!.id, ['cancelled']);
    expect(transform.errorMessage).toBe('dependency extract failed');
    expect(audit.errorMessage).toBe('dependency extract failed');
    expect(load.errorMessage).toBe('dependency transform was cancelled');
    for (const run of [transform, audit, load]) {
      expect(run.attempt).toBe(0);
      expect(run.finishedAt).toBeInstanceOf(Date);
    }
    expect(order).toEqual(['extract']);
  });

  test('cancelling a pending dependency cancels its dependents at once', async () => {
    const hg = await env.create({ jobs: createEtlJobs() });
    const { byType } = await triggerBatch(hg, { jobGroup: 'etl' });
    await hg.runs.cancel(byType.extract!.id);
    expect(await hg.runs.get(byType.transform!.id)).toMatchObject({ status: 'cancelled', errorMessage: 'dependency extract was cancelled' });
    expect(await hg.runs.get(byType.load!.id)).toMatchObject({ status: 'cancelled', errorMessage: 'dependency transform was cancelled' });
  });
});

describe('pipelines', () => {
  const steps: Array<{ step: string | null; runId: string }> = [];
  const pipelineJobs = [
    defineJob({ name: 'fetch', async run(ctx) { steps.push({ step: ctx.step, runId: ctx.runId }); ctx.metrics.set('rows', 10); ctx.log.info('fetched'); return 'fetched'; } }),
    defineJob({ name: 'score', async run(ctx) { steps.push({ step: ctx.step, runId: ctx.runId }); ctx.metrics.increment('scored', 2); if (ctx.payload.failScore) throw new NonRetryableError('model missing'); return 'scored'; } }),
    defineJob({ name: 'fetch_and_score', steps: ['fetch', 'score'] }),
  ];

  test('a pipeline job runs its steps in order inside one run with per-step metrics', async () => {
    steps.length = 0;
    const hg = await env.create({ jobs: pipelineJobs, worker: { enabled: true } });
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'fetch_and_score' });
    const done = await waitForRunStatus(hg, run.id, ['completed']);

    expect(steps).toEqual([{ step: 'fetch', runId: run.id }, { step: 'score', runId: run.id }]);
    expect(done.result).toEqual({ steps: { fetch: 'fetched', score: 'scored' } });
    expect(done.metrics).toMatchObject({
      duration_ms: expect.any(Number),
      steps: { fetch: { rows: 10, duration_ms: expect.any(Number) }, score: { scored: 2, duration_ms: expect.any(Number) } },
    });
    expect((await hg.runs.list()).items.map((item) => item.id)).toEqual([run.id]);
    const messages = (await hg.runs.logs(run.id)).map((line) => line.message);
    expect(messages).toEqual(expect.arrayContaining(['step fetch started', 'fetched', 'step fetch finished', 'step score started', 'step score finished']));
    expect(messages.indexOf('step fetch finished')).toBeLessThan(messages.indexOf('step score started'));
  });

  test('a failing step fails the pipeline run and keeps the metrics of the steps before it', async () => {
    steps.length = 0;
    const hg = await env.create({ jobs: pipelineJobs, worker: { enabled: true } });
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'fetch_and_score', payload: { failScore: true } });
    const failed = await waitForRunStatus(hg, run.id, ['failed']);
    expect(failed.errorMessage).toBe('model missing');
    expect(failed.metrics).toMatchObject({ steps: { fetch: { rows: 10 } } });
    expect(steps.map((entry) => entry.step)).toEqual(['fetch', 'score']);
  });
});

describe('registry checks', () => {
  const handler = async () => {};
  function build(jobs: JobDefinition<any>[]) {
    return () => createHourglass({ schema: 'hg_unused', logLevel: 'silent', jobs }, { database: env.db(), logger: silentLogger });
  }
  function registryError(jobs: JobDefinition<any>[]): HourglassError {
    try {
      build(jobs)();
    } catch (error) {
      return error as HourglassError;
    }
    throw new Error('expected the registry to be refused');
  }

  test('an unknown dependency is a clear error at construction', () => {
    const error = registryError([defineJob({ name: 'scoring', dependsOn: ['data_collection'], run: handler })]);
    expect(error).toBeInstanceOf(HourglassError);
    expect(error.code).toBe('invalid_registry');
    expect(error.message).toMatch(/job type "scoring" depends on unknown job type "data_collection"/);
  });

  test('a dependency cycle is an error naming its path', () => {
    const error = registryError([
      defineJob({ name: 'a', dependsOn: ['b'], run: handler }),
      defineJob({ name: 'b', dependsOn: ['c'], run: handler }),
      defineJob({ name: 'c', dependsOn: ['a'], run: handler }),
    ]);
    expect(error.code).toBe('invalid_registry');
    expect(error.message).toMatch(/dependency cycle a → b → c → a/);
  });

  test('a duplicate name is an error, including a clash with a built-in job type', () => {
    const twice = registryError([defineJob({ name: 'a', run: handler }), defineJob({ name: 'a', run: handler })]);
    expect(twice.code).toBe('invalid_registry');
    expect(twice.message).toMatch(/job type "a" is defined twice/);
    expect(registryError([defineJob({ name: 'http', run: handler })]).message).toMatch(/"http" is defined twice/);
  });

  test('a valid registry builds', () => {
    expect(build(createEtlJobs())).not.toThrow();
  });

  test('schedules with an unknown group or job type are refused on create and write nothing', async () => {
    const hg = await env.create({ jobs: createEtlJobs() });
    const cronExpression = '0 3 * * *';
    await expect(hg.schedules.create({ name: 'g', jobGroup: 'nope', cronExpression })).rejects.toMatchObject({ code: 'unknown_job_group', field: 'job_group', status: 400 });
    await expect(hg.schedules.create({ name: 'j', jobType: 'nope', cronExpression })).rejects.toMatchObject({ code: 'unknown_job_type', field: 'job_type' });
    await expect(hg.schedules.create({ name: 'c', jobTypes: ['extract', 'nope'], cronExpression })).rejects.toMatchObject({ code: 'unknown_job_type', field: 'job_types' });
    const { rows } = await env.db().query<{ n: number }>(`select count(*)::int as n from "${hg.config.schema}".scheduled_jobs`);
    expect(rows[0]!.n).toBe(0);
  });

  test('a code-defined schedule with an unknown group stops start-up with a clear error', async () => {
    const schedule = defineSchedule({ key: 'nightly', name: 'Nightly', cron: '0 3 * * *', target: { group: 'reporting' } });
    const hg = await env.create({ jobs: createEtlJobs(), schedules: [schedule] });
    await expect(hg.start()).rejects.toMatchObject({ code: 'unknown_job_group', message: expect.stringMatching(/"reporting"/) });
  });
});

describe('per-job-type concurrency', () => {
  test('a job with concurrency 1 never runs twice at once, across two workers of concurrency 4', async () => {
    let current = 0;
    let highest = 0;
    const limited = defineJob({
      name: 'limited',
      concurrency: 1,
      async run() {
        current += 1;
        highest = Math.max(highest, current);
        await new Promise((resolve) => setTimeout(resolve, 100)); // the handler's own work
        current -= 1;
      },
    });
    const config = { jobs: [limited], worker: { enabled: true, concurrency: 4 } };
    const hg = await env.create(config);
    const other = await siblings.create(hg, config);
    const runs = [];
    for (let index = 0; index < 6; index += 1) runs.push(await hg.runs.enqueue({ jobType: 'limited' }));
    await Promise.all([hg.start(), other.start()]);
    for (const run of runs) await waitForRunStatus(hg, run.id, ['completed']);
    expect(highest).toBe(1);
  });

  test('a job without a cap runs as many at once as the worker allows', async () => {
    let current = 0;
    const together = createDeferred();
    const free = defineJob({
      name: 'free',
      async run() {
        current += 1;
        if (current >= 3) together.resolve();
        await together.promise;
      },
    });
    const hg = await env.create({ jobs: [free], worker: { enabled: true, concurrency: 4 } });
    const runs = [];
    for (let index = 0; index < 3; index += 1) runs.push(await hg.runs.enqueue({ jobType: 'free' }));
    await hg.start();
    for (const run of runs) await waitForRunStatus(hg, run.id, ['completed']);
  });
});
