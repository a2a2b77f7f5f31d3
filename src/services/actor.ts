/**
 * Who is acting on Hourglass, and what they may see and change. Every service call takes an
 * actor; the library and the CLI act as unrestricted actors, the REST API as the token's.
 *
 * - `tenantId` undefined: every tenant. A string: that tenant's rows only; other rows do not
 *   exist for this actor (not found, never forbidden, so ids leak nothing).
 * - `role` undefined: the library and CLI (full rights). Otherwise a token's role; the REST
 *   routes check the role an endpoint needs, the services check what depends on the row:
 *   system rows (no tenant) change only with `admin`.
 */
import { ErrorCode, HourglassError } from '../errors.js';

export const Role = Object.freeze({ admin: 'admin', operator: 'operator', viewer: 'viewer' } as const);
export type Role = (typeof Role)[keyof typeof Role];

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export interface Actor {
  /** As recorded in the audit log, e.g. `token:ops-bot` or `cli:alice`. */
  name: string;
  tenantId?: string | null;
  role?: Role;
}

export const libraryActor: Actor = { name: 'library' };

export function hasRole(actor: Actor, needed: Role): boolean {
  return actor.role === undefined || rank[actor.role] >= rank[needed];
}

export function canSee(actor: Actor, tenantId: string | null): boolean {
  return actor.tenantId === undefined || actor.tenantId === tenantId;
}

/** System rows (no tenant) are changed by admins only. */
export function assertMayChange(actor: Actor, tenantId: string | null, what: string): void {
  if (tenantId === null && !hasRole(actor, Role.admin)) {
    throw new HourglassError(ErrorCode.forbidden, `${what} belongs to no tenant (a system row): only an admin token may change it`);
  }
}

/**
 * The tenant a list is filtered by: the actor's own when bound (naming another, or system rows,
 * is a 403 rather than a silently different answer), else the one requested, if any.
 */
export function tenantFilter<T extends string | null | undefined>(actor: Actor, requested: T): T | string {
  if (actor.tenantId === undefined || actor.tenantId === null) return requested;
  if (requested !== undefined && requested !== actor.tenantId) {
    throw new HourglassError(ErrorCode.forbidden, `tenant_id: this token is bound to tenant "${actor.tenantId}"`, { field: 'tenant_id' });
  }
  return actor.tenantId;
}

/** The tenant a new row gets: the actor's own when bound, else the one requested. */
export function resolveTenant(actor: Actor, requested: string | null | undefined): string | null {
  if (actor.tenantId === undefined) return requested ?? null;
  if (requested !== undefined && requested !== null && requested !== actor.tenantId) {
    throw new HourglassError(ErrorCode.forbidden, `tenant_id: this token is bound to tenant "${actor.tenantId}"`, { field: 'tenant_id' });
  }
  return actor.tenantId;
}
