/**
 * Reading the audit log (writing happens inside each service's own transaction). A
 * tenant-bound actor sees its tenant's entries only.
 */
import { listAuditEntries, type AuditFilter, type AuditLogEntry } from '../db/queries/audit-log.js';
import type { Runtime } from '../runtime.js';
import { libraryActor, tenantFilter, type Actor } from './actor.js';
import { decodeCursor, encodeCursor, invalidCursor, type Page } from './cursor.js';

export type { AuditLogEntry } from '../db/queries/audit-log.js';

export interface AuditListOptions extends Omit<AuditFilter, 'beforeId' | 'limit'> {
  limit?: number;
  cursor?: string;
}

export function createAuditService(runtime: Runtime) {
  return {
    async list(options: AuditListOptions = {}, actor: Actor = libraryActor): Promise<Page<AuditLogEntry>> {
      const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
      const beforeId = options.cursor ? Number(decodeCursor(options.cursor, 1)[0]) : undefined;
      if (beforeId !== undefined && !Number.isSafeInteger(beforeId)) throw invalidCursor();
      const rows = await listAuditEntries(runtime.db, runtime.schema, {
        ...options,
        tenantId: tenantFilter(actor, options.tenantId),
        beforeId,
        limit: limit + 1,
      });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeCursor([String(last.id)]) : null };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
