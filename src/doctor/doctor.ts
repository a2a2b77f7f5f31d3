/**
 * `hourglass doctor`: opens the database the config names (without migrating it), gathers a
 * few numbers and turns them into checks (`checks.ts`). Never throws over the database: an
 * unreachable or locked database is the first check's failure and the checks that need it
 * are skipped.
 */
import { existsSync } from 'node:fs';
import type { ResolvedConfig } from '../config/schema.js';
import type { Database } from '../db/database.js';
import { acquireDataDirLock, type DataDirLock } from '../db/data-dir-lock.js';
import { listPendingMigrations } from '../db/migrate.js';
import { migrations as embedded, type Migration } from '../db/migrations.generated.js';
import { createPgliteDatabase } from '../db/pglite.js';
import { createPostgresDatabase } from '../db/pg.js';
import { readDatabaseNow } from '../db/queries/database-now.js';
import { readDatabaseClock, readFailingDeliveries, readLateSchedules, readNewestAppliedMigration, readStuckRuns } from '../db/queries/doctor.js';
import { listWorkers } from '../db/queries/workers.js';
import { createSchemaName, type SchemaName } from '../db/schema-name.js';
import { isHourglassError } from '../errors.js';
import { systemClock, type Clock } from '../util/clock.js';
import {
  CheckName,
  CheckStatus,
  decideClockSkew,
  decideDeliveries,
  decideLateSchedules,
  decideMigrations,
  decideProcesses,
  decideStuckRuns,
  DELIVERY_ATTEMPTS_WARN,
  DELIVERY_WINDOW_MS,
  skipped,
  type CheckResult,
} from './checks.js';

export interface DoctorOptions {
  /** A database opened by the caller (tests); not closed. Absent: opened from the config. */
  database?: Database;
  clock?: Clock;
  /** The migrations the code knows (tests). */
  migrations?: readonly Migration[];
}

/** A heartbeat this many intervals old means the process is gone (as in the scheduler status). */
const LIVE_HEARTBEATS = 3;

const MEMORY_DATA_DIR = 'memory://';

/** Why a connection failed, in the driver's words (node-postgres gives an empty message for some network errors). */
function driverReason(error: unknown): string {
  const { message, code, errors } = (error ?? {}) as { message?: string; code?: string; errors?: unknown[] };
  const inner = Array.isArray(errors) && errors.length > 0 ? driverReason(errors[0]) : '';
  const text = message || inner || String(error);
  return code && !text.includes(code) ? `${text} (${code})` : text;
}

function connectionRemedy(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  if (code === '28P01' || code === '28000') return 'check the user and password in DATABASE_URL, and pg_hba.conf on the server';
  if (code === '3D000') return 'the database in DATABASE_URL does not exist: create it (createdb) or fix the URL';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host in DATABASE_URL does not resolve: fix the URL or DNS';
  return 'check DATABASE_URL (host, port, database, user), that PostgreSQL runs and accepts connections from this machine (listen_addresses, pg_hba.conf, firewall)';
}

interface Opened {
  db: Database;
  close(): Promise<void>;
}

/** Opens the configured database for reading, or says why not as the `database` check. */
async function open(config: ResolvedConfig): Promise<Opened | CheckResult> {
  const fail = (finding: string, remedy: string): CheckResult => ({ check: CheckName.database, status: CheckStatus.fail, finding, remedy });
  if (config.databaseUrl) {
    let db: Database | null = null;
    try {
      db = await createPostgresDatabase({ connectionString: config.databaseUrl, maxConnections: 2, applicationName: 'hourglass-doctor' });
      await db.query('select 1');
      const opened = db;
      return { db: opened, close: () => opened.close() };
    } catch (error) {
      await db?.close().catch(() => {});
      return fail(`cannot connect to PostgreSQL: ${driverReason(error)}`, connectionRemedy(error));
    }
  }
  if (config.dataDir === MEMORY_DATA_DIR) {
    return fail('the config uses an in-memory embedded database: there is nothing to inspect', 'set DATABASE_URL or a dataDir');
  }
  if (!existsSync(config.dataDir)) {
    return fail(`no embedded database in ${config.dataDir}`, 'run doctor where Hourglass runs (or pass --config), set DATABASE_URL, or create it with `hourglass migrate`');
  }
  let lock: DataDirLock;
  try {
    lock = acquireDataDirLock(config.dataDir);
  } catch (error) {
    if (isHourglassError(error)) {
      return fail(
        error.message.replace(/\. Stop it first.*$/, ''),
        'the embedded database belongs to one process: stop it to run doctor, or ask its API (GET /api/admin/scheduler/status); use PostgreSQL to inspect a running cluster',
      );
    }
    return fail(`cannot lock ${config.dataDir}: ${driverReason(error)}`, 'check the permissions of the data directory');
  }
  try {
    const db = await createPgliteDatabase({ dataDir: config.dataDir });
    return {
      db,
      async close() {
        await db.close();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    return fail(`cannot open the embedded database in ${config.dataDir}: ${driverReason(error)}`, 'check the data directory (permissions, disk space, a copy from another PGlite version)');
  }
}

/** Runs one gathering step; an unexpected database error becomes that check's failure. */
async function guarded(check: string, fn: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const result = await fn();
    return Array.isArray(result) ? result : [result];
  } catch (error) {
    return [{ check, status: CheckStatus.fail, finding: `query failed: ${driverReason(error)}`, remedy: 'check the database user\'s rights on the schema, then run doctor again' }];
  }
}

const schemaChecks = [CheckName.schedulers, CheckName.workers, CheckName.stuckRuns, CheckName.lateSchedules, CheckName.notifications];

/** Every check against an open database. */
export async function inspect(db: Database, schema: SchemaName, config: ResolvedConfig, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const clock = options.clock ?? systemClock;
  const list = options.migrations ?? embedded;
  const latestKnown = list.at(-1)?.id ?? 0;
  const results: CheckResult[] = [{ check: CheckName.database, status: CheckStatus.ok, finding: db.kind === 'postgres' ? 'PostgreSQL answers' : `embedded database in ${config.dataDir} opens`, remedy: '' }];

  let newestApplied: number | null = null;
  const migrationResults = await guarded(CheckName.migrations, async () => {
    const pending = await listPendingMigrations(db, schema, list);
    newestApplied = await readNewestAppliedMigration(db, schema);
    return decideMigrations({ pending, newestApplied, latestKnown });
  });
  results.push(...migrationResults);

  results.push(
    ...(await guarded(CheckName.clockSkew, async () => {
      const before = clock.now().getTime();
      const databaseClock = await readDatabaseClock(db);
      const after = clock.now().getTime();
      return decideClockSkew(databaseClock.getTime() - (before + after) / 2);
    })),
  );

  // The other checks read the tables of the first migration; without them there is nothing to read.
  if (newestApplied === null) {
    const reason = migrationResults[0]?.status === CheckStatus.fail && migrationResults[0].finding.startsWith('query failed') ? 'migrations unreadable' : 'schema not created';
    return [...results, ...schemaChecks.map((check) => skipped(check, reason))];
  }

  const now = await readDatabaseNow(db, clock).catch(() => clock.now());
  const staleAfterMs = LIVE_HEARTBEATS * config.worker.heartbeatMs;
  results.push(
    ...(await guarded(CheckName.schedulers, async () => {
      const processes = await listWorkers(db, schema, false);
      return decideProcesses({ processes, now, staleAfterMs });
    })),
    ...(await guarded(CheckName.stuckRuns, async () =>
      decideStuckRuns({ stuck: await readStuckRuns(db, schema, { now, graceMs: staleAfterMs }), now, graceMs: staleAfterMs, heartbeatMs: config.worker.heartbeatMs }),
    )),
    ...(await guarded(CheckName.lateSchedules, async () => {
      const { lateToleranceMs } = config.scheduler;
      return decideLateSchedules({ late: await readLateSchedules(db, schema, { now, lateToleranceMs }), now, lateToleranceMs });
    })),
    ...(await guarded(CheckName.notifications, async () =>
      decideDeliveries(await readFailingDeliveries(db, schema, { now, windowMs: DELIVERY_WINDOW_MS, maxAttempts: DELIVERY_ATTEMPTS_WARN })),
    )),
  );
  return results;
}

/** Opens the database of `config`, runs every check and closes it again. Never rejects over the database. */
export async function runDoctor(config: ResolvedConfig, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const schema = createSchemaName(config.schema);
  const opened = options.database ? { db: options.database, close: async () => {} } : await open(config);
  if (!('db' in opened)) {
    return [opened, ...[CheckName.migrations, CheckName.clockSkew, ...schemaChecks].map((check) => skipped(check, 'database unreachable'))];
  }
  try {
    return await inspect(opened.db, schema, config, options);
  } finally {
    await opened.close().catch(() => {});
  }
}
