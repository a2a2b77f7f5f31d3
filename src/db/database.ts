/**
 * The storage seam: the only surface the rest of Hourglass sees of a database driver.
 *
 * PGlite is real PostgreSQL, so there is one SQL dialect; this seam only hides what differs
 * between drivers: how a connection is obtained for a transaction, how notifications arrive
 * and how the thing is closed. It deliberately offers nothing else (no query builder, no
 * retries: loops decide how to react to errors, see `retryable.ts`).
 */

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type NotificationHandler = (payload: string) => void;

export const DatabaseKind = Object.freeze({ postgres: 'postgres', pglite: 'pglite' } as const);
export type DatabaseKind = (typeof DatabaseKind)[keyof typeof DatabaseKind];

export interface TransactionOptions {
  /**
   * Commit without waiting for the WAL flush (`synchronous_commit = off`) where losing the last
   * few hundred milliseconds of such commits in a server crash is harmless: the scheduler's tick
   * (its slots simply fire again). Never for run outcomes. @default false
   */
  relaxedCommit?: boolean;
  /**
   * Run the prepared statements with their generic plan (`plan_cache_mode =
   * force_generic_plan`) for statements whose best plan never depends on the parameters. The
   * tick's lock compares `next_run_at` with a parameter: PostgreSQL kept planning it per call
   * (its generic estimate looked costlier), and each plan probed the index for its bounds, a
   * cost that grew with the number of schedules (0.25 ms at 1,000, 0.4 ms at 100,000).
   *
   * A generic plan is made once per connection, from the statistics of that moment, so
   * sequential scans are off as well (`enable_seqscan`): the tick's overlap check, planned while
   * `job_runs` was still empty, scanned the whole table on every later tick (69 ms per tick of
   * 500 schedules once a burst had written 9,000 runs) instead of walking its index. Use it only
   * for statements whose plans are index walks. Planning per call instead cost a tick that fires
   * about 1 ms. Ignored where statements are not prepared (PGlite). @default false
   */
  genericPlans?: boolean;
  /**
   * Run on the one connection the database keeps for a caller's recurring transaction (the
   * scheduler's tick) when it is free, else on the pool. Its statements stay prepared and
   * planned, and it never idles out: through the pool, a tick landed on whichever connection the
   * worker had used last, and its first tick on each connection parsed and planned the lock and
   * the write again (the write alone 9 ms instead of 0.6), which made the first slots after a
   * start up to 20 ms late. One more connection per scheduler process. Ignored on PGlite (one
   * connection). @default false
   */
  dedicated?: boolean;
}

export interface Database extends Queryable {
  readonly kind: DatabaseKind;
  /**
   * Runs `fn` inside one transaction on one connection: committed when it resolves, rolled back
   * when it throws. Statements inside must go through `tx`, never through the database itself
   * (on PGlite that would wait for the transaction to end: a deadlock).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Calls `handler` for every NOTIFY on `channel` until the returned function is called.
   * Notifications only wake loops sooner; a database that cannot listen warns and returns a
   * no-op, so callers must keep polling.
   */
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  /** Releases every connection. Further calls fail. */
  close(): Promise<void>;
}
