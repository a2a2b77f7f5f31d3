/**
 * Which runs of a tick the scheduler hands straight to its own worker (`pickHandOff`): only
 * pending runs due now, without dependencies or runs to wait for, of job types the worker takes
 * without a cluster-wide cap, and no more than its free slots.
 */
import { describe, expect, test } from 'vitest';
import { pickHandOff } from '../../../src/scheduler/tick.js';
import type { PlannedRun } from '../../../src/scheduler/plan-firing.js';

const now = new Date('2026-06-01T10:00:00Z');
const run = (id: string, overrides: Partial<PlannedRun> = {}): PlannedRun => ({
  id, scheduledJobId: 's1', scheduleName: 'every minute', batchId: null, tenantId: null, jobType: 'report', trigger: 'cron',
  status: 'pending', priority: 0, payload: {}, scheduledFor: now, runAfter: now, maxAttempts: 3, timeoutSeconds: null,
  dependsOn: [], waitsFor: [], errorMessage: null, createdBy: null, ...overrides,
});
const room = (slots: number, jobTypes = ['report']) => ({ workerId: 'w1', leaseMs: 30_000, slots, jobTypes: new Set(jobTypes) });

describe('handing fired runs to the local worker', () => {
  test('takes ready runs of its job types up to its free slots, in planned order', () => {
    const runs = [run('a'), run('b'), run('c')];
    expect([...pickHandOff(runs, room(2), now)]).toEqual(['a', 'b']);
    expect([...pickHandOff(runs, room(0), now)]).toEqual([]);
  });

  test('leaves skipped runs, runs with dependencies or runs to wait for, later runs and other job types', () => {
    const runs = [
      run('skipped', { status: 'skipped' }),
      run('child', { dependsOn: ['root'] }),
      run('queued', { waitsFor: ['older'] }),
      run('jittered', { runAfter: new Date(now.getTime() + 1) }),
      run('capped', { jobType: 'capped' }),
      run('root'),
    ];
    expect([...pickHandOff(runs, room(10), now)]).toEqual(['root']);
  });
});
