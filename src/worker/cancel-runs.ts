/**
 * Cancelling runs, the one way every caller does it (operators, `replace` overlap, backfills):
 * pending runs end `cancelled` at once and their dependents with them; running runs are
 * flagged and their workers told over NOTIFY (the heartbeat notices the flag if the
 * notification is missed). Runs inside the caller's transaction.
 */
import type { Queryable } from '../db/database.js';
import { cancelDependents } from '../db/queries/finish-runs.js';
import { cancelRuns } from '../db/queries/job-runs.js';
import type { SchemaName } from '../db/schema-name.js';
import { Notification } from '../runtime.js';

export async function cancelRunsNow(tx: Queryable, schema: SchemaName, runIds: readonly string[], options: { reason: string; now: Date | null }) {
  const result = await cancelRuns(tx, schema, runIds, options.reason, options.now);
  await cancelDependents(tx, schema, result.cancelled, options.now);
  for (const id of result.requested) await tx.query('select pg_notify($1, $2)', [schema.channel, Notification.cancelPrefix + id]);
  return result;
}
