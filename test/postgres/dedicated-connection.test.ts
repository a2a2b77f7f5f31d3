/**
 * The connection kept for `dedicated` transactions (the scheduler's tick, `db/database.ts`):
 * successive ticks run on the same server process, so their statements stay prepared; a second
 * caller while it is busy runs on the pool instead of waiting; a dropped one is replaced.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { createPostgresDatabase } from '../../src/db/pg.js';
import type { Database, Queryable } from '../../src/db/database.js';
import { testDatabaseUrl } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

const opened: Database[] = [];

async function open(): Promise<Database> {
  const db = await createPostgresDatabase({ connectionString: testDatabaseUrl(), maxConnections: 4, applicationName: 'hourglass-dedicated-test' });
  opened.push(db);
  return db;
}

afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
});

const backendPid = async (tx: Queryable) => (await tx.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;

describe('dedicated transactions', () => {
  test('run one after another on the same connection', async () => {
    const db = await open();
    const pids = [];
    for (let i = 0; i < 3; i++) pids.push(await db.transaction(backendPid, { dedicated: true }));
    expect(new Set(pids).size).toBe(1);
  });

  test('a second one while the first is open runs on the pool instead of waiting', async () => {
    const db = await open();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstPid = 0;
    const first = db.transaction(async (tx) => {
      firstPid = await backendPid(tx);
      await held;
    }, { dedicated: true });
    await waitFor(() => firstPid > 0, { message: 'the first transaction to start' });

    const secondPid = await db.transaction(backendPid, { dedicated: true });
    expect(secondPid).not.toBe(firstPid);
    release();
    await first;
    expect(await db.transaction(backendPid, { dedicated: true })).toBe(firstPid);
  });

  test('a dropped connection is replaced by the next transaction', async () => {
    const db = await open();
    const before = await db.transaction(backendPid, { dedicated: true });
    const other = await open();
    await other.query('select pg_terminate_backend($1::int)', [before]);

    // The first attempt may still meet the dead connection; the next one gets a new one.
    const after = await waitFor(async () => await db.transaction(backendPid, { dedicated: true }), { message: 'a dedicated transaction on a new connection' });
    expect(after).not.toBe(before);
  });

  test('a failed transaction frees the connection for the next one', async () => {
    const db = await open();
    const pid = await db.transaction(backendPid, { dedicated: true });
    await expect(db.transaction((tx) => tx.query('select 1 / 0'), { dedicated: true })).rejects.toThrow(/division by zero/);
    expect(await db.transaction(backendPid, { dedicated: true })).toBe(pid);
  });
});
