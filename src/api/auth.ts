/**
 * Bearer tokens → actors. A request names its token in `Authorization: Bearer <token>`; the
 * event stream may also pass `?access_token=` because browsers' EventSource cannot set
 * headers. The actor carries the token's role and tenant into every service call, and the
 * audit log records it as `token:<name>`.
 */
import { ErrorCode, HourglassError } from '../errors.js';
import { hasRole, type Actor, type Role } from '../services/actor.js';
import type { TokenService } from '../services/tokens.js';

export interface Credentials {
  authorization?: string;
  accessToken?: string;
}

function bearerSecret(credentials: Credentials): string | null {
  const header = credentials.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new HourglassError(ErrorCode.unauthorized, 'Authorization header: expected "Bearer <token>"', { field: 'authorization' });
    return match[1]!;
  }
  return credentials.accessToken ?? null;
}

export async function authenticate(tokens: TokenService, credentials: Credentials): Promise<Actor> {
  const secret = bearerSecret(credentials);
  if (secret === null) throw new HourglassError(ErrorCode.unauthorized, 'missing token: send "Authorization: Bearer <token>" (create one with `hourglass tokens create`)', { field: 'authorization' });
  const token = await tokens.authenticate(secret);
  if (!token) throw new HourglassError(ErrorCode.unauthorized, 'unknown or revoked token', { field: 'authorization' });
  return { name: `token:${token.name}`, role: token.role, ...(token.tenantId === null ? {} : { tenantId: token.tenantId }) };
}

export function authorize(actor: Actor, needed: Role): void {
  if (!hasRole(actor, needed)) {
    throw new HourglassError(ErrorCode.forbidden, `this endpoint needs a token with role ${needed} or higher; this token is ${actor.role}`);
  }
}
