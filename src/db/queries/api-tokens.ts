/**
 * `api_tokens`: bearer tokens of the admin API. Only the SHA-256 of a token is stored; the
 * token itself is shown once, when it is created.
 */
import type { Queryable } from '../database.js';
import type { SchemaName } from '../schema-name.js';
import { camelizeRow, camelizeRows } from './rows.js';

export interface ApiToken {
  id: string;
  name: string;
  role: 'admin' | 'operator' | 'viewer';
  tenantId: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const columns = 'id, name, role, tenant_id, created_at, last_used_at, revoked_at';

/** Params: $1 name, $2 hash, $3 role, $4 tenant. */
const insertSql = (s: SchemaName) => `
  insert into ${s.quoted}.api_tokens (name, hash, role, tenant_id)
  values ($1, $2, $3, $4)
  returning ${columns}`;

export async function insertToken(db: Queryable, s: SchemaName, token: { name: string; hash: string; role: string; tenantId: string | null }): Promise<ApiToken> {
  const { rows } = await db.query(insertSql(s), [token.name, token.hash, token.role, token.tenantId]);
  return camelizeRow<ApiToken>(rows[0]!);
}

/** Params: $1 hash. A live (not revoked) token only. */
const findByHashSql = (s: SchemaName) => `select ${columns} from ${s.quoted}.api_tokens where hash = $1 and revoked_at is null`;

export async function findTokenByHash(db: Queryable, s: SchemaName, hash: string): Promise<ApiToken | null> {
  const { rows } = await db.query(findByHashSql(s), [hash]);
  return rows[0] ? camelizeRow<ApiToken>(rows[0]) : null;
}

/** Params: $1 id or name (uuid text compared as text). Locks the row. */
const findSql = (s: SchemaName) => `select ${columns} from ${s.quoted}.api_tokens where id::text = $1 or name = $1 order by created_at for update`;

export async function findTokens(db: Queryable, s: SchemaName, idOrName: string): Promise<ApiToken[]> {
  const { rows } = await db.query(findSql(s), [idOrName]);
  return camelizeRows<ApiToken>(rows);
}

/** Params: $1 include revoked. Oldest first. */
const listSql = (s: SchemaName) => `
  select ${columns} from ${s.quoted}.api_tokens
  where $1 or revoked_at is null
  order by created_at, id`;

export async function listTokens(db: Queryable, s: SchemaName, includeRevoked: boolean): Promise<ApiToken[]> {
  const { rows } = await db.query(listSql(s), [includeRevoked]);
  return camelizeRows<ApiToken>(rows);
}

/** Params: $1 id. */
const revokeSql = (s: SchemaName) => `update ${s.quoted}.api_tokens set revoked_at = now() where id = $1 and revoked_at is null returning ${columns}`;

export async function revokeToken(db: Queryable, s: SchemaName, id: string): Promise<ApiToken | null> {
  const { rows } = await db.query(revokeSql(s), [id]);
  return rows[0] ? camelizeRow<ApiToken>(rows[0]) : null;
}

/** Params: $1 id. Written at most once a minute per token (see `services/tokens.ts`). */
const touchSql = (s: SchemaName) => `update ${s.quoted}.api_tokens set last_used_at = now() where id = $1`;

export async function touchToken(db: Queryable, s: SchemaName, id: string): Promise<void> {
  await db.query(touchSql(s), [id]);
}

/** Whether any token exists at all, revoked ones included (the first start creates one). */
export async function hasAnyToken(db: Queryable, s: SchemaName): Promise<boolean> {
  const { rows } = await db.query(`select exists (select 1 from ${s.quoted}.api_tokens) as found`);
  return rows[0]?.found === true;
}
