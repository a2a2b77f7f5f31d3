/**
 * Second (third, …) Hourglass instances on the schema of an instance made by
 * `setupTestDatabase().create()`: another process of the same cluster, or the same
 * application restarted with changed code. They share the file's database, use the same
 * test-friendly worker settings, and are stopped after each test, before the schema is dropped
 * (vitest runs after-hooks in reverse order, and this one is registered after the database's).
 */
import { afterEach } from 'vitest';
import { createHourglass, type Hourglass, type HourglassSeams } from '../../src/hourglass.js';
import type { HourglassConfigInput } from '../../src/config/schema.js';
import { silentLogger } from '../../src/logger.js';
import type { TestDatabase } from './db.js';

export interface Siblings {
  /** An instance on `of`'s schema; loops disabled unless `config` enables them. */
  create(of: Hourglass, config?: Partial<HourglassConfigInput>, seams?: HourglassSeams): Promise<Hourglass>;
}

export function setupSiblings(env: TestDatabase): Siblings {
  const instances: Hourglass[] = [];

  afterEach(async () => {
    for (const hourglass of instances.splice(0)) await hourglass.stop();
  });

  return {
    async create(of, config = {}, seams = {}) {
      const hourglass = createHourglass(
        {
          logLevel: 'silent',
          ...config,
          schema: of.config.schema,
          scheduler: { enabled: false, ...config.scheduler },
          worker: { enabled: false, pollMs: 200, retryBaseMs: 50, retryMaxMs: 200, ...config.worker },
        } as HourglassConfigInput,
        { database: env.db(), logger: silentLogger, ...seams },
      );
      instances.push(hourglass);
      await hourglass.ready();
      return hourglass;
    },
  };
}
