import { describe, expect, test } from 'vitest';
import { createRegistry } from '../../../src/registry/registry.js';
import { defineJob } from '../../../src/define.js';
import { ErrorCode } from '../../../src/errors.js';

const registry = createRegistry([
  defineJob({ name: 'collect', group: 'nightly', run() {} }),
  defineJob({ name: 'score', group: 'nightly', dependsOn: ['collect'], run() {} }),
  defineJob({ name: 'report', run() {} }),
]);

describe('registry.resolveTarget', () => {
  test('resolves each mode to its job types in dependency order', () => {
    expect(registry.resolveTarget({ executionMode: 'single_job', jobType: 'report' }).jobTypes).toEqual(['report']);
    const group = registry.resolveTarget({ executionMode: 'group', jobGroup: 'nightly' });
    expect(group.jobTypes).toEqual(['collect', 'score']);
    expect(group.dependsOn.get('score')).toEqual(['collect']);
    expect(registry.resolveTarget({ executionMode: 'custom', jobTypes: ['score', 'report'] }).dependsOn.get('score')).toEqual([]);
    expect(registry.resolveTarget({ executionMode: 'all_jobs' }).jobTypes).toHaveLength(3);
  });

  test('answers the same target with the same plan, and different targets with their own', () => {
    const first = registry.resolveTarget({ executionMode: 'group', jobGroup: 'nightly' });
    expect(registry.resolveTarget({ executionMode: 'group', jobGroup: 'nightly' })).toBe(first);
    expect(registry.resolveTarget({ executionMode: 'custom', jobTypes: ['collect', 'score'] })).not.toBe(first);
    expect(registry.resolveTarget({ executionMode: 'custom', jobTypes: ['collect'] }).jobTypes).toEqual(['collect']);
    expect(registry.resolveTarget({ executionMode: 'single_job', jobType: 'collect' }).jobTypes).toEqual(['collect']);
  });

  test('rejects an unknown target every time it is asked', () => {
    for (let i = 0; i < 2; i++) {
      expect(() => registry.resolveTarget({ executionMode: 'single_job', jobType: 'nope' })).toThrow(expect.objectContaining({ code: ErrorCode.unknownJobType }));
      expect(() => registry.resolveTarget({ executionMode: 'group', jobGroup: 'nope' })).toThrow(expect.objectContaining({ code: ErrorCode.unknownJobGroup }));
    }
  });
});
