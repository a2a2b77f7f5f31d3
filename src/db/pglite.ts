/**
 * The embedded backend: one PGlite instance, in memory or in a data directory.
 *
 * Quirks of a single embedded connection, handled here and nowhere else:
 * - There is exactly one session. PGlite serialises `query` and `transaction` behind one mutex,
 *   so a transaction in progress holds every other statement back until it ends. That is the
 *   serialisation the seam promises; it also means `FOR UPDATE SKIP LOCKED` never meets a
 *   lock held by someone else here.
 * - NOTIFY is delivered in-process to listeners of the same instance after commit, so the
 *   same SQL that wakes other processes on PostgreSQL wakes this process's loops.
 * - The data directory belongs to one process; `hourglass.ts` guards it with a lock file.
 */
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './database.js';

export interface PgliteOptions {
  /** Directory for the data files; absent keeps everything in memory. */
  dataDir?: string;
  /** An instance created by the caller (tests); it is closed with the database. */
  instance?: PGlite;
}

interface PgliteQueryable {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function wrap(target: PgliteQueryable): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await target.query<Row>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  };
}

export async function createPgliteDatabase(options: PgliteOptions = {}): Promise<Database> {
  const pg = options.instance ?? new PGlite(options.dataDir);
  await pg.waitReady;
  const direct = wrap(pg);
  return {
    kind: 'pglite',
    query: direct.query,
    exec: direct.exec,
    // `relaxedCommit` and `genericPlans` are ignored: there is no network round trip or separate
    // WAL flush to save, and statements are not prepared.
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async listen(channel, handler) {
      const unlisten = await pg.listen(channel, handler);
      return async () => {
        if (!pg.closed) await unlisten();
      };
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}
