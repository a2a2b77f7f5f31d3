import { describe, expect, test } from 'vitest';
import { mergeConfig, resolveConfig } from '../../../src/config/load.js';
import { readEnvOverrides } from '../../../src/config/env.js';
import { isHourglassError } from '../../../src/errors.js';

describe('configuration', () => {
  test('defaults are filled in and the result is frozen', () => {
    const config = resolveConfig({});
    expect(config).toMatchObject({ schema: 'hourglass', port: 8080, logLevel: 'info', dataDir: './.hourglass' });
    expect(config.scheduler).toMatchObject({ enabled: true, pollMs: 1000, batchSize: 500 });
    expect(config.worker.concurrency).toBe(4); // embedded: one connection
    expect(resolveConfig({ databaseUrl: 'postgres://x/y' }).worker.concurrency).toBe(10);
    expect(config.worker.heartbeatMs).toBe(10_000);
    expect(Object.isFrozen(config.worker)).toBe(true);
  });

  test('the SPEC environment names override the file', () => {
    const env = readEnvOverrides({
      DATABASE_URL: 'postgres://db/app',
      HOURGLASS_SCHEMA: 'jobs',
      HOURGLASS_PORT: '9090',
      JOB_SCHEDULER_POLL_MS: '250',
      JOB_WORKER_POLL_MS: '300',
      JOB_SCHEDULER_BATCH: '50',
      JOB_WORKER_BATCH: '5',
      HOURGLASS_CONCURRENCY: '20',
      LOG_LEVEL: 'debug',
    });
    const config = resolveConfig(mergeConfig({ schema: 'from_file', worker: { leaseMs: 5000 } }, env));
    expect(config).toMatchObject({ databaseUrl: 'postgres://db/app', schema: 'jobs', port: 9090, logLevel: 'debug' });
    expect(config.scheduler).toMatchObject({ pollMs: 250, batchSize: 50 });
    expect(config.worker).toMatchObject({ pollMs: 300, batchSize: 5, concurrency: 20, leaseMs: 5000 });
  });

  test('a bad value names its path and what was expected', () => {
    expect(() => readEnvOverrides({ HOURGLASS_PORT: 'eighty' })).toThrow(/HOURGLASS_PORT: expected a whole number, got "eighty"/);
    const error = (() => {
      try {
        resolveConfig({ worker: { concurrency: -1 } } as never);
      } catch (caught) {
        return caught;
      }
    })();
    expect(isHourglassError(error, 'invalid_config')).toBe(true);
    expect((error as Error).message).toContain('worker.concurrency');
    expect(() => resolveConfig({ unknownOption: true } as never)).toThrow(/unknownOption/);
  });
});
