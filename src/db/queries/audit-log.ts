/**
 * `audit_log`: every change made through the services, with its actor and the entity before
 * and after. Written in the same transaction as the change it records.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';
import { camelizeRows } from './rows.js';
import { snakeCase } from '../../util/case.js';

export interface AuditEntry {
  actor: string;
  action: string;
  entity: 'scheduled_job' | 'job_run' | 'api_token';
  entityId: string | null;
  tenantId: string | null;
  before: unknown;
  after: unknown;
}

/** Params: $1 actor, $2 action, $3 entity, $4 entity id, $5 tenant, $6 before, $7 after. */
const insertSql = (s: SchemaName) => `
  insert into ${s.quoted}.audit_log (actor, action, entity, entity_id, tenant_id, before, after)
  values ($1, $2, $3, $4, $5, $6, $7)`;

/** A snapshot as the API shows it: top-level keys in snake_case (nested user data untouched). */
function snapshot(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return JSON.stringify(value);
  const entries = Object.entries(value).map(([key, field]) => [snakeCase(key), field]);
  return JSON.stringify(Object.fromEntries(entries));
}

export async function insertAuditEntry(db: Queryable, s: SchemaName, entry: AuditEntry): Promise<void> {
  const json = snapshot;
  await db.query(insertSql(s), [entry.actor, entry.action, entry.entity, entry.entityId, entry.tenantId, json(entry.before), json(entry.after)]);
}

export interface AuditLogEntry {
  id: number;
  at: Date;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  tenantId: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  entity?: string;
  entityId?: string;
  /** undefined: every tenant. */
  tenantId?: string;
  since?: Date;
  until?: Date;
  /** Keyset cursor: entries older than this id. */
  beforeId?: number;
  limit: number;
}

/** Params: $1 actor, $2 action, $3 entity, $4 entity id, $5 tenant, $6 since, $7 until, $8 before id, $9 limit. Newest first. */
const listSql = (s: SchemaName) => `
  select id::integer as id, at, actor, action, entity, entity_id, tenant_id, before, after
  from ${s.quoted}.audit_log
  where ($1::text is null or actor = $1)
    and ($2::text is null or action = $2)
    and ($3::text is null or entity = $3)
    and ($4::text is null or entity_id = $4)
    and ($5::text is null or tenant_id = $5)
    and ($6::timestamptz is null or at >= $6)
    and ($7::timestamptz is null or at < $7)
    and ($8::bigint is null or id < $8)
  order by id desc
  limit $9`;

export async function listAuditEntries(db: Queryable, s: SchemaName, filter: AuditFilter): Promise<AuditLogEntry[]> {
  const { rows } = await db.query(listSql(s), [
    filter.actor ?? null,
    filter.action ?? null,
    filter.entity ?? null,
    filter.entityId ?? null,
    filter.tenantId ?? null,
    filter.since ?? null,
    filter.until ?? null,
    filter.beforeId ?? null,
    filter.limit,
  ]);
  return camelizeRows<AuditLogEntry>(rows);
}
