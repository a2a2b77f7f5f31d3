/**
 * Per-file database isolation for integration tests.
 *
 * `setupTestDatabase()` opens one database per test file (an in-memory PGlite, or a pool on
 * TEST_DATABASE_URL) and `create()` builds an Hourglass instance in a schema of its own, so
 * tests in one file never see each other's rows. Everything is stopped and every schema
 * dropped after the file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createHourglass, type Hourglass, type HourglassSeams } from '../../src/hourglass.js';
import type { HourglassConfigInput } from '../../src/config/schema.js';
import type { Database } from '../../src/db/database.js';
import { createPgliteDatabase } from '../../src/db/pglite.js';
import { createPostgresDatabase } from '../../src/db/pg.js';
import { silentLogger } from '../../src/logger.js';

export type Backend = 'pglite' | 'postgres';

export function currentBackend(): Backend {
  return process.env.HG_TEST_BACKEND === 'postgres' ? 'postgres' : 'pglite';
}

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  return url;
}

/** A schema name unique to this file and call. */
export function uniqueSchemaName(): string {
  const file = expect.getState().testPath ?? 'unknown';
  return `hg_${createHash('sha1').update(file).digest('hex').slice(0, 8)}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase {
  readonly backend: Backend;
  /** The file's shared database. */
  db(): Database;
  /** An Hourglass instance in a fresh schema; stopped and dropped after the test. */
  create(config?: Partial<HourglassConfigInput>, seams?: HourglassSeams): Promise<Hourglass>;
}

export function setupTestDatabase(): TestDatabase {
  const backend = currentBackend();
  let database: Database | null = null;
  const instances: Array<{ hourglass: Hourglass; schema: string }> = [];

  beforeAll(async () => {
    database = backend === 'postgres' ? await createPostgresDatabase({ connectionString: testDatabaseUrl(), maxConnections: 20 }) : await createPgliteDatabase();
  });

  afterEach(async () => {
    const current = instances.splice(0);
    for (const { hourglass } of current) await hourglass.stop();
    for (const { schema } of current) await database!.query(`drop schema if exists "${schema}" cascade`);
  });

  afterAll(async () => {
    await database?.close();
  });

  return {
    backend,
    db: () => database!,
    async create(config = {}, seams = {}) {
      const schema = uniqueSchemaName();
      const hourglass = createHourglass(
        {
          logLevel: 'silent',
          ...config,
          schema,
          scheduler: { enabled: false, ...config.scheduler },
          worker: { enabled: false, pollMs: 200, retryBaseMs: 50, retryMaxMs: 200, ...config.worker },
        } as HourglassConfigInput,
        { database: database!, logger: silentLogger, ...seams },
      );
      instances.push({ hourglass, schema });
      await hourglass.ready();
      return hourglass;
    },
  };
}
