/**
 * `audit_log`: every change made through the services, with its actor and the entity before
 * and after. Written in the same transaction as the change it records.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';

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

export async function insertAuditEntry(db: Queryable, s: SchemaName, entry: AuditEntry): Promise<void> {
  const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
  await db.query(insertSql(s), [entry.actor, entry.action, entry.entity, entry.entityId, entry.tenantId, json(entry.before), json(entry.after)]);
}
