import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { migrate, listPendingMigrations, printMigrations } from '../../src/db/migrate.js';
import { createSchemaName } from '../../src/db/schema-name.js';
import { migrations } from '../../src/db/migrations.generated.js';
import { isHourglassError } from '../../src/errors.js';
import { setupTestDatabase, uniqueSchemaName } from '../helpers/db.js';

const env = setupTestDatabase();
const snapshotPath = new URL('./__snapshots__/schema.snap', import.meta.url);

/** The catalog of a schema as stable text: tables, columns, indexes, constraints, triggers. */
async function dumpCatalog(schema: string): Promise<string> {
  const db = env.db();
  const columns = await db.query<{ line: string }>(
    `select table_name || '.' || column_name || ' ' || data_type || case when is_nullable = 'NO' then ' not null' else '' end
       || coalesce(' default ' || column_default, '') as line
     from information_schema.columns where table_schema = $1 order by table_name, ordinal_position`,
    [schema],
  );
  const indexes = await db.query<{ line: string }>(
    `select replace(indexdef, '"' || $1 || '".', 'S.') as line from pg_indexes where schemaname = $1 order by indexname`,
    [schema],
  );
  const constraints = await db.query<{ line: string }>(
    `select c.conrelid::regclass::text || ' ' || c.contype::text || ' ' || pg_get_constraintdef(c.oid) as line
     from pg_constraint c join pg_namespace n on n.oid = c.connamespace
     -- newer servers also list NOT NULL here; the columns already cover it
     where n.nspname = $1 and c.contype <> 'n'`,
    [schema],
  );
  const triggers = await db.query<{ line: string }>(
    `select pg_get_triggerdef(t.oid) as line
     from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and not t.tgisinternal`,
    [schema],
  );
  // Sorted here, not in SQL: the two servers may collate differently.
  const lines = (rows: Array<{ line: string }>) => rows.map((row) => row.line.replaceAll(`"${schema}".`, 'S.').replaceAll(`${schema}.`, 'S.')).sort();
  return [...lines(columns.rows), ...lines(indexes.rows), ...lines(constraints.rows), ...lines(triggers.rows)].join('\n');
}

describe('migrations', () => {
  test('apply once, record every migration, and are a no-op the second time', async () => {
    const schema = createSchemaName(uniqueSchemaName());
    try {
      const first = await migrate(env.db(), schema);
      expect(first.applied).toEqual(migrations.map((m) => m.id));
      const second = await migrate(env.db(), schema);
      expect(second.applied).toEqual([]);
      expect(await listPendingMigrations(env.db(), schema)).toEqual([]);
    } finally {
      await env.db().query(`drop schema if exists ${schema.quoted} cascade`);
    }
  });

  test('refuse a database that is newer than the code', async () => {
    const schema = createSchemaName(uniqueSchemaName());
    try {
      await migrate(env.db(), schema);
      await env.db().query(`insert into ${schema.quoted}.migrations (id, name) values (9999, 'from_the_future')`);
      const error = await migrate(env.db(), schema).catch((caught) => caught);
      expect(isHourglassError(error, 'schema_too_new')).toBe(true);
      expect(error.message).toContain('9999');
    } finally {
      await env.db().query(`drop schema if exists ${schema.quoted} cascade`);
    }
  });

  test('roll back entirely when a migration fails', async () => {
    const schema = createSchemaName(uniqueSchemaName());
    const broken = [...migrations, { id: migrations.length + 1, name: 'broken', sql: 'create table {{schema}}.ok (id int); select 1/0;' }];
    await expect(migrate(env.db(), schema, broken)).rejects.toThrow();
    const { rows } = await env.db().query<{ exists: boolean }>('select to_regclass($1) is not null as exists', [`${schema.quoted}.scheduled_jobs`]);
    expect(rows[0]!.exists).toBe(false);
    await env.db().query(`drop schema if exists ${schema.quoted} cascade`);
  });

  test('print the SQL for the schema', () => {
    const text = printMigrations(createSchemaName('custom_schema'));
    expect(text).toContain('create table "custom_schema".scheduled_jobs');
    expect(text).not.toContain('{{schema}}');
  });

  test('produce the same catalog on PGlite and PostgreSQL (schema snapshot)', async () => {
    const schema = createSchemaName(uniqueSchemaName());
    try {
      await migrate(env.db(), schema);
      const catalog = await dumpCatalog(schema.name);
      // The first backend to run writes the snapshot; both must then match it.
      if (!existsSync(snapshotPath)) {
        mkdirSync(new URL('./__snapshots__/', import.meta.url), { recursive: true });
        writeFileSync(snapshotPath, `${catalog}\n`);
      }
      expect(`${catalog}\n`).toBe(readFileSync(snapshotPath, 'utf8'));
    } finally {
      await env.db().query(`drop schema if exists ${schema.quoted} cascade`);
    }
  });
});
