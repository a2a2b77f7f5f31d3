import { describe, expect, test } from 'vitest';
import { planFiring, type FiringInput } from '../../../src/scheduler/plan-firing.js';

let counter = 0;
const input = (overrides: Partial<FiringInput> = {}): FiringInput => ({
  schedule: { id: 's1', name: 'nightly', tenantId: 't1', overlapPolicy: 'skip', payload: { a: 1 }, priority: 0, maxAttempts: null, timeoutSeconds: null, jitterSeconds: 0 },
  slots: [{ slot: new Date('2026-01-01T02:00:00Z'), trigger: 'cron' }],
  activeRuns: [],
  batch: { jobTypes: ['collect', 'score'], dependsOn: new Map([['collect', []], ['score', ['collect']]]) },
  jobDefaults: () => ({ maxAttempts: 3, timeoutSeconds: 60, priority: 5 }),
  now: new Date('2026-01-01T02:00:00Z'),
  newId: () => `id-${++counter}`,
  random: () => 0.5,
  ...overrides,
});

describe('planning a firing', () => {
  test('a batch is one run per job type with depends_on edges and one batch id', () => {
    const plan = planFiring(input());
    expect(plan.runs.map((run) => run.jobType)).toEqual(['collect', 'score']);
    const [collect, score] = plan.runs;
    expect(score!.dependsOn).toEqual([collect!.id]);
    expect(collect!.batchId).not.toBeNull();
    expect(score!.batchId).toBe(collect!.batchId);
    expect(collect).toMatchObject({ status: 'pending', tenantId: 't1', payload: { a: 1 }, maxAttempts: 3, timeoutSeconds: 60, priority: 5 });
    expect(plan).toMatchObject({ fired: 1, skipped: 0, lastRunId: collect!.id });
  });

  test('skip writes skipped rows naming the active run', () => {
    const plan = planFiring(input({ activeRuns: [{ id: 'r-old', status: 'running' }] }));
    expect(plan.runs.every((run) => run.status === 'skipped')).toBe(true);
    expect(plan.runs[0]!.errorMessage).toContain('r-old');
    expect(plan).toMatchObject({ fired: 0, skipped: 1 });
  });

  test('queue waits behind running runs and skips when one already waits', () => {
    const queued = planFiring(input({ schedule: { ...input().schedule, overlapPolicy: 'queue' }, activeRuns: [{ id: 'r-old', status: 'running' }] }));
    expect(queued.runs.every((run) => run.waitsFor.includes('r-old') && run.status === 'pending')).toBe(true);
    const full = planFiring(input({ schedule: { ...input().schedule, overlapPolicy: 'queue' }, activeRuns: [{ id: 'r-wait', status: 'pending' }] }));
    expect(full.skipped).toBe(1);
  });

  test('replace cancels active runs and fires', () => {
    const plan = planFiring(input({ schedule: { ...input().schedule, overlapPolicy: 'replace' }, activeRuns: [{ id: 'r-old', status: 'running' }] }));
    expect(plan.cancelRunIds).toEqual(['r-old']);
    expect(plan.fired).toBe(1);
  });

  test('several slots in one pass see each other under skip', () => {
    const slots = [0, 1, 2].map((hour) => ({ slot: new Date(Date.UTC(2026, 0, 1, hour)), trigger: 'catch_up' as const }));
    const plan = planFiring(input({ slots, batch: { jobTypes: ['collect'], dependsOn: new Map() } }));
    expect(plan.runs.map((run) => run.status)).toEqual(['pending', 'skipped', 'skipped']);
  });

  test('jitter delays run_after within its bound and keeps scheduled_for on the slot', () => {
    const slot = new Date('2026-01-01T02:00:00Z');
    const plan = planFiring(input({ schedule: { ...input().schedule, jitterSeconds: 30 }, random: () => 0.999 }));
    const delay = plan.runs[0]!.runAfter.getTime() - slot.getTime();
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThan(30_000);
    expect(plan.runs[0]!.scheduledFor).toEqual(slot);
  });
});
