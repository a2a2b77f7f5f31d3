/**
 * The orchestrator's own connection to PostgreSQL: the server's version for the record, and
 * the schemas of this benchmark run, each named `bench_<system>_<orchestrator pid>_<n>` and
 * dropped after its trial, with a final sweep (also on failure and Ctrl-C) for any left.
 */
import pg from 'pg';
import { schemaTag, type SystemName } from './systems.ts';

let counter = 0;

/** A new schema name for one trial of `system`. */
export function nextSchemaName(system: SystemName): string {
  counter += 1;
  return `bench_${schemaTag[system]}_${process.pid}_${counter}`;
}

async function withClient<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench-orchestrator' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function readPostgresVersion(databaseUrl: string): Promise<string> {
  return withClient(databaseUrl, async (client) => (await client.query<{ version: string }>('select version()')).rows[0]!.version);
}

/** Drops the named schemas (cascade); waits at most 10 s for locks a dying process may hold. */
export function dropSchemas(databaseUrl: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return Promise.resolve();
  return withClient(databaseUrl, async (client) => {
    await client.query(`set lock_timeout = '10s'`);
    for (const name of names) await client.query(`drop schema if exists "${name}" cascade`);
  });
}

/** Drops every schema this orchestrator created that is still there; returns their names. */
export function sweepSchemas(databaseUrl: string): Promise<string[]> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `select nspname as name from pg_namespace where nspname ~ $1`,
      [`^bench_(${Object.values(schemaTag).join('|')})_${process.pid}_[0-9]+$`],
    );
    await client.query(`set lock_timeout = '10s'`);
    for (const { name } of rows) await client.query(`drop schema if exists "${name}" cascade`);
    return rows.map((row) => row.name);
  });
}
