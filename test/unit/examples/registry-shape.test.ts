/**
 * The example registry that `npm start` runs: its shape (names, groups, dependencies,
 * pipelines, schedules) and its handlers, each called directly with a fake job context. The
 * fake context is deliberate: these are unit tests of the example handlers, not of the worker.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { JobContext, JobDefinition, RunLogger, RunMetrics } from '../../../src/define.js';

// The examples import the package by name, which resolves to dist/ only after a build; unit
// tests run against the source instead. The helpers are identity functions, so nothing differs.
vi.mock('hourglass', () => import('../../../src/define.js'));

const { maintenanceJobs } = await import('../../../examples/maintenance/jobs.js');
const { brandMonitoringJobs } = await import('../../../examples/brand-monitoring/jobs.js');
const { shopPlatformJobs } = await import('../../../examples/shop-platform/jobs.js');
const { maintenanceSchedules: exampleSchedules } = await import('../../../examples/maintenance/schedules.js');
const { pause } = await import('../../../examples/shared/work.js');

type AnyJob = JobDefinition<any>;
const allJobs: AnyJob[] = [...maintenanceJobs, ...brandMonitoringJobs, ...shopPlatformJobs];
const jobsByName = new Map(allJobs.map((job) => [job.name, job]));
const handlerJobs = allJobs.filter((job) => job.run !== undefined);

/** The first cycle in the dependency graph as a path (`a → b → a`), or null. */
function findCycle(jobs: readonly AnyJob[]): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  function visit(name: string): string[] | null {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dependency of jobsByName.get(name)?.dependsOn ?? []) {
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return null;
  }
  for (const job of jobs) {
    const cycle = visit(job.name);
    if (cycle) return cycle;
  }
  return null;
}

interface FakeContextOptions {
  payload?: Record<string, unknown>;
  runId?: string;
  attempt?: number;
  tenantId?: string | null;
  signal?: AbortSignal;
}

/** A job context that records log lines and metrics, with the payload parsed like the worker would. */
function createFakeContext(job: AnyJob, options: FakeContextOptions = {}) {
  const lines: Array<{ level: string; message: string; data?: Record<string, unknown> }> = [];
  const values: Record<string, unknown> = {};
  const logAt = (level: string) => (message: string, data?: Record<string, unknown>) => {
    lines.push({ level, message, data });
  };
  const log: RunLogger = { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') };
  const metrics: RunMetrics = {
    set: (name, value) => void (values[name] = value),
    increment: (name, by = 1) => void (values[name] = Number(values[name] ?? 0) + by),
    snapshot: () => ({ ...values }),
  };
  const rawPayload = options.payload ?? {};
  const ctx: JobContext<unknown> = {
    runId: options.runId ?? randomUUID(),
    attempt: options.attempt ?? 1,
    maxAttempts: job.maxAttempts ?? 3,
    jobType: job.name,
    payload: job.payload ? job.payload.parse(rawPayload) : rawPayload,
    tenantId: options.tenantId ?? null,
    scheduledJobId: null,
    batchId: null,
    scheduledFor: null,
    signal: options.signal ?? new AbortController().signal,
    log,
    metrics,
    step: null,
  };
  return { ctx, lines, values };
}

async function runJob(name: string, options: FakeContextOptions = {}) {
  const job = jobsByName.get(name);
  if (!job?.run) throw new Error(`no handler for ${name}`);
  const fake = createFakeContext(job, options);
  return { ...fake, result: await job.run(fake.ctx) };
}

describe('maintenance suite', () => {
  it('has exactly 20 job types in the six groups', () => {
    expect(maintenanceJobs).toHaveLength(20);
    const groups = new Set(maintenanceJobs.map((job) => job.group));
    expect([...groups].sort()).toEqual(['feed', 'maintenance', 'matching', 'media', 'quiz', 'search']);
  });

  it('gives every job type a description, a timeout and a number of attempts', () => {
    for (const job of maintenanceJobs) {
      expect(job.description, job.name).toBeTruthy();
      expect(job.timeout, job.name).toBeDefined();
      expect(job.maxAttempts, job.name).toBeGreaterThanOrEqual(1);
    }
  });

  it('orders the dependencies the admin used to follow by hand', () => {
    expect(jobsByName.get('rebuild_search_index')?.dependsOn).toContain('recompute_matches');
    expect(jobsByName.get('refresh_feed_rankings')?.dependsOn).toContain('recompute_matches');
    expect(jobsByName.get('purge_orphaned_media')?.dependsOn).toContain('cleanup_deleted_accounts');
  });
});

describe('whole registry', () => {
  it('uses unique job type names', () => {
    expect(jobsByName.size).toBe(allJobs.length);
  });

  it('names only known job types in dependsOn and steps', () => {
    for (const job of allJobs) {
      for (const name of [...(job.dependsOn ?? []), ...(job.steps ?? [])]) {
        expect(jobsByName.has(name), `${job.name} → ${name}`).toBe(true);
      }
    }
  });

  it('has no dependency cycle', () => {
    expect(findCycle(allJobs)).toBeNull();
  });

  it('gives every job type either a handler or steps, never both', () => {
    for (const job of allJobs) expect(Boolean(job.run) !== Boolean(job.steps), job.name).toBe(true);
  });

  it('runs data_collection then scoring in the brand monitoring pipeline', () => {
    expect(jobsByName.get('data_collection_and_scoring')?.steps).toEqual(['data_collection', 'scoring']);
    expect(jobsByName.get('scoring')?.dependsOn).toEqual(['data_collection']);
  });
});

describe('example schedules', () => {
  it('defines the three schedules with their crons and targets', () => {
    const shapes = exampleSchedules.map(({ key, cron, target }) => ({ key, cron, target }));
    expect(shapes).toEqual([
      { key: 'daily-full-sync', cron: '0 2 * * *', target: { all: true } },
      { key: 'hourly-matching', cron: '0 * * * *', target: { group: 'matching' } },
      { key: 'feed-refresh', cron: '*/15 * * * *', target: { group: 'feed' } },
    ]);
    expect(exampleSchedules[0]?.timezone).toBe('UTC');
  });

  it('leaves only feed-refresh enabled', () => {
    expect(exampleSchedules.filter((s) => s.enabled).map((s) => s.key)).toEqual(['feed-refresh']);
  });

  it('targets groups that exist', () => {
    const groups = new Set(allJobs.map((job) => job.group));
    for (const { target } of exampleSchedules) {
      if ('group' in target) expect(groups.has(target.group), target.group).toBe(true);
    }
  });
});

describe.concurrent('every handler', () => {
  it.each(handlerJobs.map((job) => job.name))('%s completes with an empty payload and records metrics', async (name) => {
    const { result, lines, values } = await runJob(name);
    expect(result).toBeTypeOf('object');
    expect(Object.keys(values).length).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(0);
  });

  it.each(handlerJobs.map((job) => job.name))('%s throws when the payload says fail: true', async (name) => {
    await expect(runJob(name, { payload: { fail: true } })).rejects.toThrow(/simulated failure/);
  });

  it.each(handlerJobs.map((job) => job.name))('%s stops with the reason of an aborted signal', async (name) => {
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    controller.abort(reason);
    await expect(runJob(name, { signal: controller.signal })).rejects.toBe(reason);
  });
});

describe('shop platform handlers', () => {
  it('charges daily credits once per run, even when the run is retried', async () => {
    const runId = randomUUID();
    const first = await runJob('daily_credit_deduction', { runId, tenantId: 'store_retry' });
    const retry = await runJob('daily_credit_deduction', { runId, attempt: 2, tenantId: 'store_retry' });
    expect(first.result).toMatchObject({ applied: true });
    expect(retry.result).toMatchObject({ applied: false });
    expect(retry.values.balance).toBe(first.values.balance);
    expect(retry.values.credits_deducted).toBe(0);
  });

  it('refuses a payload store_id that differs from the run\'s tenant', async () => {
    await expect(runJob('catalogue_import', { tenantId: 'store_a', payload: { store_id: 'store_b' } })).rejects.toThrow(
      /does not match the run's tenant/,
    );
  });

  it('updates rather than creates on a second catalogue import of the same feed', async () => {
    const runId = randomUUID();
    const first = await runJob('catalogue_import', { runId, tenantId: 'store_reimport' });
    const second = await runJob('catalogue_import', { runId, tenantId: 'store_reimport' });
    expect(second.values.rows_created).toBe(0);
    expect(second.values.rows_updated).toBe(Number(first.values.rows_created) + Number(first.values.rows_updated));
  });

  it('skips a token refresh while the current token is still valid', async () => {
    await runJob('oauth_token_refresh', { tenantId: 'store_token' });
    const again = await runJob('oauth_token_refresh', { tenantId: 'store_token' });
    expect(again.result).toMatchObject({ refreshed: false });
  });
});

describe('pause', () => {
  it('resolves after the delay', async () => {
    await expect(pause(5, new AbortController().signal)).resolves.toBeUndefined();
  });

  it('rejects with the signal\'s reason when aborted while waiting', async () => {
    const controller = new AbortController();
    const waiting = pause(10_000, controller.signal);
    controller.abort(new Error('timeout'));
    await expect(waiting).rejects.toThrow('timeout');
  });
});
