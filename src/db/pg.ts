/**
 * The PostgreSQL backend: a node-postgres pool for statements and transactions, plus one
 * dedicated client for LISTEN.
 *
 * The listening client reconnects by itself with jittered backoff when its connection drops
 * (database restart, `pg_terminate_backend`, network trouble) and re-issues every LISTEN. While
 * it is down, notifications are lost; that is acceptable because they only wake loops sooner
 * and every loop also polls. Pool clients that die are discarded by the pool; the next query
 * gets a fresh connection, and the loops' own backoff covers the errors in between.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Client, Pool, PoolClient } from 'pg';
import type { Database, NotificationHandler, Queryable, QueryResult } from './database.js';
import { computeBackoffMs } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';

export interface PostgresOptions {
  connectionString: string;
  /** Pool size. */
  maxConnections?: number;
  /** Called when the listening connection drops or comes back; for logs only. */
  onListenerStateChange?: (state: 'lost' | 'restored', error?: unknown) => void;
  applicationName?: string;
}

const pg = loadNodePostgres();

/**
 * node-postgres decides at load whether it runs in Cloudflare Workers: it reads
 * `navigator.userAgent`, and where `navigator` is missing (Node 20; Node 21 and later define it)
 * it constructs a `Response`, which loads Node's built-in fetch with undici, http2, zlib and the
 * web streams: 5.5 MB of an idle worker's memory (62.6 MB before, 59.3 MB after), spent on
 * nothing. The load sees Node's own answer, as on Node 21, and the global is removed again.
 */
function loadNodePostgres(): typeof import('pg') {
  const require = createRequire(import.meta.url);
  if ('navigator' in globalThis) return require('pg') as typeof import('pg');
  Object.defineProperty(globalThis, 'navigator', { value: { userAgent: `Node.js/${process.versions.node}` }, configurable: true });
  try {
    return require('pg') as typeof import('pg');
  } finally {
    delete (globalThis as { navigator?: unknown }).navigator;
  }
}

/**
 * Statements with parameters run as named prepared statements: each connection parses and
 * plans a statement once, which is most of the cost of the short statements on the hot paths
 * (a tick went from about 7 ms to about 2 ms on loopback). A statement whose cached plan no
 * longer fits (a migration changed a table under a long-lived connection, SQLSTATE 0A000) fails
 * once and then runs unprepared in this process; every loop retries, so nothing is lost.
 */
const statementNames = new Map<string, string | null>();

function statementName(sql: string): string | null {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `hg_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}

const TIMESTAMPTZ_OID = 1184;
const parseTimestamptzSlowly = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date;

/**
 * Hourglass's connections parse `timestamptz` with V8's own date parser, which reads
 * PostgreSQL's ISO output ('2026-11-23 00:20:36.123456+00', any offset) 2.5× faster than
 * node-postgres's parser (0.26 against 0.66 µs): a claimed run carries four timestamps, and
 * parsing them was the largest single item of a worker's CPU per run. V8 reads years below 100
 * as 19xx and rejects offsets with seconds, infinity and BC: years before 1000 and whatever it
 * rejects go to node-postgres's parser. Only this pool uses it; the application's own
 * node-postgres clients keep their types.
 *
 * The rows of one statement mostly repeat the same instants (a claim gives every run the same
 * `started_at` and lease end; runs enqueued together share `created_at` and `run_after`), so the
 * parser remembers the last few texts it read and copies their time instead of parsing again.
 * Every call still returns a new `Date`: callers may change what they get.
 */
const recentTexts: string[] = ['', '', '', ''];
const recentTimes: number[] = [0, 0, 0, 0];
let recentNext = 0;

export function parseTimestamptz(text: string): Date {
  for (let i = 0; i < recentTexts.length; i++) if (recentTexts[i] === text) return new Date(recentTimes[i]!);
  const plain = text.length >= 22 && text.charCodeAt(0) !== 48 /* 0 */ && text.charCodeAt(4) === 45 /* - */ && text.charCodeAt(10) === 32; /* space */
  const parsed = plain ? new Date(text) : null;
  const date = parsed && !Number.isNaN(parsed.getTime()) ? parsed : parseTimestamptzSlowly(text);
  // node-postgres answers ±infinity as a number; only finite instants are remembered.
  if (date instanceof Date && Number.isFinite(date.getTime())) {
    recentTexts[recentNext] = text;
    recentTimes[recentNext] = date.getTime();
    recentNext = (recentNext + 1) % recentTexts.length;
  }
  return date;
}

const UUID_ARRAY_OID = 2951;
const parseUuidArraySlowly = pg.types.getTypeParser(UUID_ARRAY_OID as Parameters<typeof pg.types.getTypeParser>[0], 'text') as (text: string) => string[];

/** `uuid[]`: every run has two (`depends_on`, `waits_for`), nearly always empty. */
export const parseUuidArray = (text: string): string[] => (text === '{}' ? [] : parseUuidArraySlowly(text));

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ_OID && format !== 'binary') return parseTimestamptz;
    if (oid === UUID_ARRAY_OID && format !== 'binary') return parseUuidArray;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

// timestamptz and json come back typed; int8 (counts) stays a string unless cast in SQL.
function wrap(client: Pool | PoolClient): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const name = params.length > 0 ? statementName(sql) : null;
      try {
        const result = await client.query(name ? { name, text: sql, values: params as unknown[] } : { text: sql, values: params as unknown[] });
        return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
      } catch (error) {
        if ((error as { code?: string }).code === '0A000' && name) statementNames.set(sql, null);
        throw error;
      }
    },
    async exec(sql: string) {
      // Without parameters node-postgres uses the simple protocol, which allows several statements.
      await client.query(sql);
    },
  };
}

function openPool(options: PostgresOptions, max: number, idleTimeoutMillis: number): Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max,
    application_name: options.applicationName ?? 'hourglass',
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis,
    types,
  });
  // An idle client that dies (server restart) emits on the pool; without a listener the
  // process would crash. The next query simply gets a new connection.
  pool.on('error', () => {});
  // Every connection keeps one listener of its own for its whole life: between the pool's
  // listeners (idle, checked out, per query) there are moments when a server-side termination
  // would otherwise emit 'error' unheard and crash the process. The statement in flight still
  // fails, and the pool discards the connection.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export async function createPostgresDatabase(options: PostgresOptions): Promise<Database> {
  const pool = openPool(options, options.maxConnections ?? 10, 30_000);
  // The connection `dedicated` transactions run on (see `TransactionOptions`), opened on first
  // use and kept: a pool of one that never idles out. A dropped one is replaced on the next use.
  const dedicated = openPool(options, 1, 0);
  let dedicatedBusy = false;
  const listener = createListener(options);
  const direct = wrap(pool);

  return {
    kind: 'postgres',
    query: direct.query,
    exec: direct.exec,
    async transaction(fn, options = {}) {
      // Taken synchronously, so that a second caller at the same moment goes to the pool.
      const onDedicated = options.dedicated === true && !dedicatedBusy;
      if (onDedicated) dedicatedBusy = true;
      let client: PoolClient;
      try {
        client = await (onDedicated ? dedicated : pool).connect();
      } catch (error) {
        if (onDedicated) dedicatedBusy = false;
        throw error;
      }
      let broken = false;
      // The pool listens for errors only on idle clients: a connection that drops while checked
      // out (between two statements) would emit 'error' unheard and crash the process. The
      // statements in flight fail on their own; the client is discarded on release.
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      try {
        // One round trip: BEGIN and the settings go together (simple protocol).
        const settings = [
          options.relaxedCommit ? 'set local synchronous_commit = off' : null,
          options.genericPlans ? 'set local plan_cache_mode = force_generic_plan; set local enable_seqscan = off' : null,
        ];
        await client.query(['begin', ...settings.filter((setting) => setting !== null)].join('; '));
        const result = await fn(wrap(client));
        await client.query('commit');
        return result;
      } catch (error) {
        try {
          await client.query('rollback');
        } catch {
          broken = true;
        }
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
        if (onDedicated) dedicatedBusy = false;
      }
    },
    listen: listener.listen,
    async close() {
      await listener.close();
      await Promise.all([pool.end(), dedicated.end()]);
    },
  };
}

/** One connection that holds every LISTEN, reconnecting on loss. */
function createListener(options: PostgresOptions) {
  const handlers = new Map<string, Set<NotificationHandler>>();
  let client: Client | null = null;
  let connecting: Promise<void> | null = null;
  let closed = false;
  let failures = 0;
  const stopSignal = new AbortController();

  const quote = (channel: string) => `"${channel.replaceAll('"', '""')}"`;

  async function connect(): Promise<void> {
    while (!closed) {
      const next = new pg.Client({ connectionString: options.connectionString, application_name: 'hourglass-listen' });
      next.on('notification', (message) => {
        for (const handler of handlers.get(message.channel) ?? []) handler(message.payload ?? '');
      });
      next.on('error', () => {});
      next.on('end', () => {
        if (client !== next || closed) return;
        client = null;
        // Counted as the first failure: the reconnection then reports 'restored', and a failed
        // attempt does not report 'lost' a second time.
        failures = 1;
        options.onListenerStateChange?.('lost');
        void ensureConnected();
      });
      try {
        await next.connect();
        for (const channel of handlers.keys()) await next.query(`listen ${quote(channel)}`);
        // Closed while connecting: this connection must not outlive the database.
        if (closed) {
          await next.end().catch(() => {});
          return;
        }
        client = next;
        if (failures > 0) options.onListenerStateChange?.('restored');
        failures = 0;
        return;
      } catch (error) {
        failures += 1;
        if (failures === 1) options.onListenerStateChange?.('lost', error);
        await next.end().catch(() => {});
        await sleep(computeBackoffMs(failures, { baseMs: 200, maxMs: 10_000 }), stopSignal.signal);
      }
    }
  }

  function ensureConnected(): Promise<void> {
    if (client || closed) return Promise.resolve();
    connecting ??= connect().finally(() => {
      connecting = null;
    });
    return connecting;
  }

  return {
    async listen(channel: string, handler: NotificationHandler) {
      let set = handlers.get(channel);
      const isNewChannel = !set;
      if (!set) handlers.set(channel, (set = new Set()));
      set.add(handler);
      if (client && isNewChannel) await client.query(`listen ${quote(channel)}`).catch(() => {});
      else void ensureConnected();
      return async () => {
        set.delete(handler);
        if (set.size > 0) return;
        handlers.delete(channel);
        await client?.query(`unlisten ${quote(channel)}`).catch(() => {});
      };
    },
    async close() {
      closed = true;
      stopSignal.abort();
      const current = client;
      client = null;
      await current?.end().catch(() => {});
      await connecting;
    },
  };
}
