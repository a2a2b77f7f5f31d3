/**
 * Restarting the local PostgreSQL server itself (`pg_ctlcluster`), for the tests that run
 * alone: test/restart, and the full chaos suite's database-restart scenario. A restart breaks
 * every other connection to the server, so no other test file may run beside them.
 *
 * Needs the one local cluster under /etc/postgresql and a user allowed to restart it (root, or
 * the cluster's owner). `ensureServerAfterEach()` makes sure the server is running again when
 * a test ends, whatever happened in it.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterEach } from 'vitest';
import { testDatabaseUrl } from './db.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/**
 * `pg_ctlcluster` for the local cluster (`/etc/postgresql/<version>/main`). `mode` is the
 * shutdown mode of a restart: `fast` (clean: sessions end, WAL flushed) or `immediate` (a
 * crash: the server replays its WAL when it starts again).
 */
export async function pgCtlCluster(action: 'restart' | 'start', mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
  const version = readdirSync('/etc/postgresql')[0];
  if (!version) throw new Error('no cluster under /etc/postgresql');
  const args = ['--skip-systemctl-redirect', ...(action === 'restart' ? ['--mode', mode] : []), version, 'main', action];
  await run('pg_ctlcluster', args, { timeout: 120_000 });
}

/** True when a fresh connection to the test database answers. */
export async function serverAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: testDatabaseUrl(), connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function waitForServer(timeoutMs = 60_000): Promise<void> {
  await waitFor(serverAnswers, { timeoutMs, intervalMs: 100, message: 'PostgreSQL to answer' });
}

/**
 * Starts the server after each test if it is down. Register it after the database and process
 * helpers, so it runs before their cleanup (hooks unwind as a stack), which needs the server.
 */
export function ensureServerAfterEach(): void {
  afterEach(async () => {
    if (await serverAnswers()) return;
    await pgCtlCluster('start').catch(() => {}); // already starting is fine: wait below
    await waitForServer();
  });
}
