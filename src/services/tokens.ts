/**
 * API tokens: create (the secret is returned once, only its SHA-256 is stored), list, revoke,
 * and authenticate a bearer secret. Tokens carry a role and optionally a tenant; see
 * `actor.ts` for what those allow.
 *
 * Secrets are 32 random bytes (`hg_` + base64url), so a plain SHA-256 is the right hash: a
 * slow password hash protects guessable secrets, and these are not guessable.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { hasAnyToken, findTokenByHash, findTokens, insertToken, listTokens, revokeToken, touchToken, type ApiToken } from '../db/queries/api-tokens.js';
import { insertAuditEntry } from '../db/queries/audit-log.js';
import { ErrorCode, HourglassError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { libraryActor, Role, type Actor } from './actor.js';
import { parseWith } from './schedule-input.js';

export type { ApiToken } from '../db/queries/api-tokens.js';

export const tokenInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: z.enum([Role.admin, Role.operator, Role.viewer]),
  tenantId: z.string().trim().min(1).max(200).nullish(),
});
export type TokenInput = z.input<typeof tokenInputSchema>;

/** `last_used_at` is written at most this often per token. */
const TOUCH_INTERVAL_MS = 60_000;

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function newSecret(): string {
  return `hg_${randomBytes(32).toString('base64url')}`;
}

function auditable(token: ApiToken) {
  return { id: token.id, name: token.name, role: token.role, tenant_id: token.tenantId, revoked_at: token.revokedAt };
}

export function createTokenService(runtime: Runtime) {
  const { db, schema } = runtime;
  const touchedAt = new Map<string, number>();

  /** Token management is for admins; a tenant-bound admin manages its own tenant's tokens. */
  function assertManager(actor: Actor, tenantId: string | null): void {
    if (actor.role !== undefined && actor.role !== Role.admin) throw new HourglassError(ErrorCode.forbidden, 'managing tokens needs an admin token');
    if (actor.tenantId !== undefined && actor.tenantId !== tenantId) {
      throw new HourglassError(ErrorCode.forbidden, `this token is bound to tenant "${actor.tenantId}": it manages that tenant's tokens only`, { field: 'tenant_id' });
    }
  }

  async function create(input: TokenInput, actor: Actor = libraryActor): Promise<{ token: ApiToken; secret: string }> {
    const parsed = parseWith(tokenInputSchema, input);
    const tenantId = parsed.tenantId ?? (actor.tenantId ?? null);
    assertManager(actor, tenantId);
    const secret = newSecret();
    const token = await db.transaction(async (tx) => {
      const created = await insertToken(tx, schema, { name: parsed.name, hash: hashToken(secret), role: parsed.role, tenantId });
      await insertAuditEntry(tx, schema, { actor: actor.name, action: 'token.create', entity: 'api_token', entityId: created.id, tenantId, before: null, after: auditable(created) });
      return created;
    });
    return { token, secret };
  }

  return {
    create,

    async list(options: { includeRevoked?: boolean } = {}, actor: Actor = libraryActor): Promise<ApiToken[]> {
      assertManager(actor, actor.tenantId ?? null);
      const tokens = await listTokens(db, schema, options.includeRevoked ?? false);
      return actor.tenantId === undefined ? tokens : tokens.filter((token) => token.tenantId === actor.tenantId);
    },

    /** Revokes by id, or by name when exactly one live token has it. */
    async revoke(idOrName: string, actor: Actor = libraryActor): Promise<ApiToken> {
      return db.transaction(async (tx) => {
        const visible = (await findTokens(tx, schema, idOrName)).filter((token) => actor.tenantId === undefined || token.tenantId === actor.tenantId);
        const live = visible.filter((token) => token.revokedAt === null);
        if (visible.length === 0) throw new HourglassError(ErrorCode.notFound, `token "${idOrName}" not found`, { field: 'id' });
        if (live.length === 0) throw new HourglassError(ErrorCode.invalidState, `token "${idOrName}" is already revoked`);
        if (live.length > 1) throw new HourglassError(ErrorCode.conflict, `${live.length} live tokens are named "${idOrName}": revoke by id`, { field: 'id' });
        const before = live[0]!;
        assertManager(actor, before.tenantId);
        const after = (await revokeToken(tx, schema, before.id))!;
        await insertAuditEntry(tx, schema, { actor: actor.name, action: 'token.revoke', entity: 'api_token', entityId: before.id, tenantId: before.tenantId, before: auditable(before), after: auditable(after) });
        return after;
      });
    },

    /** The live token a bearer secret belongs to, or null. */
    async authenticate(secret: string): Promise<ApiToken | null> {
      if (!/^hg_[A-Za-z0-9_-]{43}$/.test(secret)) return null;
      const token = await findTokenByHash(db, schema, hashToken(secret));
      if (token && Date.now() - (touchedAt.get(token.id) ?? 0) > TOUCH_INTERVAL_MS) {
        touchedAt.set(token.id, Date.now());
        await touchToken(db, schema, token.id).catch(() => touchedAt.delete(token.id));
      }
      return token;
    },

    /**
     * The first start on a database without tokens creates an admin token, so the console can
     * be opened at once. Returns its secret, or null when tokens exist. Two processes starting
     * together create one token between them (advisory lock).
     */
    async createInitialToken(): Promise<string | null> {
      const secret = newSecret();
      const created = await db.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`hourglass:initial-token:${schema.name}`]);
        if (await hasAnyToken(tx, schema)) return false;
        const token = await insertToken(tx, schema, { name: 'initial-admin', hash: hashToken(secret), role: Role.admin, tenantId: null });
        await insertAuditEntry(tx, schema, { actor: 'hourglass', action: 'token.create', entity: 'api_token', entityId: token.id, tenantId: null, before: null, after: auditable(token) });
        return true;
      });
      return created ? secret : null;
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
