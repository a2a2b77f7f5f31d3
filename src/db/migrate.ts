/**
 * Schema migrations.
 *
 * Atomicity: every pending migration runs in ONE transaction; a failure leaves the schema as
 * it was. Isolation: the transaction first takes `pg_advisory_xact_lock` on a key derived from
 * the schema name, so processes starting together apply each migration once; the others wait,
 * then find nothing pending. Namespace: everything lives in the configured schema, including
 * the ledger table `migrations`. A ledger that records a migration newer than this code means
 * an older binary is running against an upgraded database: refused with `schema_too_new`.
 */
import type { Database, Queryable } from './database.js';
import type { SchemaName } from './schema-name.js';
import { migrations as embedded, type Migration } from './migrations.generated.js';
import { ErrorCode, HourglassError } from '../errors.js';

export interface MigrateResult {
  /** Ids applied by this call (empty when the schema was current). */
  applied: number[];
  /** The schema's version afterwards. */
  version: number;
}

export function renderMigrationSql(migration: Migration, schema: SchemaName): string {
  return migration.sql.replaceAll('{{schema}}', schema.quoted);
}

/** Every migration's SQL for the schema, as `hourglass migrate --print` shows it to DBAs. */
export function printMigrations(schema: SchemaName, list: readonly Migration[] = embedded): string {
  return list
    .map((migration) => `-- ${String(migration.id).padStart(4, '0')}_${migration.name}\n${renderMigrationSql(migration, schema)}`)
    .join('\n');
}

async function readAppliedIds(tx: Queryable, schema: SchemaName): Promise<number[]> {
  await tx.query(`create schema if not exists ${schema.quoted}`);
  await tx.query(
    `create table if not exists ${schema.quoted}.migrations (
       id integer primary key,
       name text not null,
       applied_at timestamptz not null default now()
     )`,
  );
  const { rows } = await tx.query<{ id: number }>(`select id from ${schema.quoted}.migrations order by id`);
  return rows.map((row) => row.id);
}

export async function migrate(db: Database, schema: SchemaName, list: readonly Migration[] = embedded): Promise<MigrateResult> {
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`hourglass:migrate:${schema.name}`]);
    const appliedIds = await readAppliedIds(tx, schema);
    const latestKnown = list.at(-1)?.id ?? 0;
    const newest = appliedIds.at(-1) ?? 0;
    if (newest > latestKnown) {
      throw new HourglassError(
        ErrorCode.schemaTooNew,
        `schema "${schema.name}" is at migration ${newest} but this version of Hourglass knows only up to ${latestKnown}: upgrade Hourglass`,
        { details: { databaseVersion: newest, codeVersion: latestKnown } },
      );
    }
    const applied: number[] = [];
    for (const migration of list) {
      if (appliedIds.includes(migration.id)) continue;
      await tx.exec(renderMigrationSql(migration, schema));
      await tx.query(`insert into ${schema.quoted}.migrations (id, name) values ($1, $2)`, [migration.id, migration.name]);
      applied.push(migration.id);
    }
    return { applied, version: Math.max(newest, applied.at(-1) ?? 0) };
  });
}

/** Ids of migrations the code has and the database lacks (for `doctor` and start-up checks). */
export async function listPendingMigrations(db: Queryable, schema: SchemaName, list: readonly Migration[] = embedded): Promise<number[]> {
  const { rows } = await db.query<{ exists: boolean }>('select to_regclass($1) is not null as exists', [`${schema.quoted}.migrations`]);
  if (!rows[0]?.exists) return list.map((migration) => migration.id);
  const applied = await db.query<{ id: number }>(`select id from ${schema.quoted}.migrations`);
  const ids = new Set(applied.rows.map((row) => row.id));
  return list.filter((migration) => !ids.has(migration.id)).map((migration) => migration.id);
}
