/**
 * Code-defined schedules (`defineSchedule`) ⇄ `scheduled_jobs` rows, at start-up.
 *
 * - New key: a row with `source = 'code'`, `inactive` unless `enabled: true`.
 * - Known key: the definition (target, timing, policies, payload) is updated when the code
 *   changed; runtime state (status, counters, last run) is kept. `enabled` counts as
 *   definition only when it changes in code (recorded in `metadata.code_enabled`), so an
 *   operator's pause survives restarts but flipping the flag in code still takes effect.
 * - A code row whose key left the code becomes `inactive` (kept for its history), and its
 *   `code_enabled` is cleared: if the key comes back with `enabled: true`, that is a change.
 * - A key already used by a schedule created through the API is a start-up error.
 *
 * Runs under an advisory lock, so processes starting together sync once each, in turn.
 */
import type { Queryable } from '../db/database.js';
import { findSchedule, insertSchedule, listOrphanedCodeSchedules, updateSchedule } from '../db/queries/scheduled-jobs.js';
import { insertAuditEntry } from '../db/queries/audit-log.js';
import { readDatabaseNow } from '../db/queries/database-now.js';
import type { ScheduleDefinition, ScheduleTarget } from '../define.js';
import { ErrorCode, HourglassError } from '../errors.js';
import type { ScheduledJob } from '../model.js';
import { Notification, type Runtime } from '../runtime.js';
import { normalizeSchedule, parseWith, scheduleInputSchema, type ScheduleInput } from '../services/schedule-input.js';
import { timingOf } from '../scheduler/tick.js';
import { computeFirstSlot } from '../time/slots.js';
import { parseDurationSeconds } from '../time/duration.js';

function targetFields(target: ScheduleTarget, key: string): Partial<ScheduleInput> {
  if ('job' in target) return { executionMode: 'single_job', jobType: target.job };
  if ('group' in target) return { executionMode: 'group', jobGroup: target.group };
  if ('jobs' in target) return { executionMode: 'custom', jobTypes: [...target.jobs] };
  if ('all' in target && target.all === true) return { executionMode: 'all_jobs' };
  throw new HourglassError(ErrorCode.invalidRegistry, `schedule "${key}": target must be { job }, { group }, { all: true } or { jobs: [...] }`);
}

/** The schedule input a definition describes (status aside). */
export function inputFromDefinition(definition: ScheduleDefinition): ScheduleInput {
  const key = definition.key;
  const seconds = (value: string | number | undefined, field: string) => (value === undefined ? undefined : parseDurationSeconds(value, `schedules.${key}.${field}`));
  const timingCount = [definition.cron, definition.every, definition.at].filter((value) => value !== undefined).length;
  if (timingCount !== 1) throw new HourglassError(ErrorCode.invalidRegistry, `schedule "${key}": give exactly one of cron, every and at`);
  return {
    key,
    name: definition.name,
    description: definition.description ?? null,
    tenantId: definition.tenantId ?? null,
    source: 'code',
    ...targetFields(definition.target, key),
    payload: definition.payload ?? {},
    metadata: { ...definition.metadata, code_enabled: definition.enabled === true },
    cronExpression: definition.cron ?? null,
    intervalSeconds: seconds(definition.every, 'every') ?? null,
    runAt: definition.at === undefined ? null : new Date(definition.at),
    timezone: definition.timezone ?? 'UTC',
    missedRunPolicy: definition.missedRunPolicy,
    catchUpWindowSeconds: seconds(definition.catchUpWindow, 'catchUpWindow'),
    overlapPolicy: definition.overlapPolicy,
    dstGap: definition.dstGap,
    dstOverlap: definition.dstOverlap,
    exclusions: definition.exclusions ? [...definition.exclusions] : undefined,
    pauseAfterFailures: definition.pauseAfterFailures ?? null,
    maxAttempts: definition.maxAttempts ?? null,
    timeoutSeconds: seconds(definition.timeout, 'timeout') ?? null,
    priority: definition.priority,
    jitterSeconds: seconds(definition.jitter, 'jitter'),
  };
}

const definitionColumns = [
  'name', 'description', 'tenantId', 'executionMode', 'jobType', 'jobGroup', 'jobTypes', 'payload', 'metadata', 'scheduleType',
  'cronExpression', 'timezone', 'intervalSeconds', 'runAt', 'missedRunPolicy', 'catchUpWindowSeconds', 'overlapPolicy', 'dstGap',
  'dstOverlap', 'exclusions', 'pauseAfterFailures', 'maxAttempts', 'timeoutSeconds', 'priority', 'jitterSeconds',
] as const;

const timingColumns = new Set(['scheduleType', 'cronExpression', 'timezone', 'intervalSeconds', 'runAt', 'dstGap', 'dstOverlap']);

/** JSON with object keys sorted: jsonb does not keep key order, so the code's order must not count as a change. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : item,
  );
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return (a as Date | null)?.getTime?.() === (b as Date | null)?.getTime?.();
  return canonicalJson(a) === canonicalJson(b);
}

async function syncOne(tx: Queryable, runtime: Runtime, definition: ScheduleDefinition, now: Date): Promise<'created' | 'updated' | 'unchanged'> {
  const { schema } = runtime;
  const enabled = definition.enabled === true;
  const desired = normalizeSchedule(parseWith(scheduleInputSchema, { ...inputFromDefinition(definition), status: enabled ? 'active' : 'inactive' }), runtime.registry);
  const existing = await findSchedule(tx, schema, definition.key, true);
  if (!existing) {
    const nextRunAt = enabled ? computeFirstSlot(timingOf({ ...desired, nextRunAt: null } as ScheduledJob), now) : null;
    const after = await insertSchedule(tx, schema, { ...desired, source: 'code', nextRunAt, createdBy: 'code', updatedBy: 'code' });
    await insertAuditEntry(tx, schema, { actor: 'code', action: 'schedule.create', entity: 'scheduled_job', entityId: after.id, tenantId: after.tenantId, before: null, after });
    return 'created';
  }
  if (existing.source !== 'code') {
    throw new HourglassError(ErrorCode.invalidRegistry, `schedule key "${definition.key}" is already used by a schedule created through ${existing.source}; rename one of them`);
  }
  const changed = definitionColumns.filter((column) => !same(desired[column], existing[column]));
  if (changed.length === 0) return 'unchanged';
  const patch: Record<string, unknown> = Object.fromEntries(changed.map((column) => [column, desired[column]]));
  const enabledChanged = existing.metadata.code_enabled !== enabled;
  const status = enabledChanged ? desired.status! : existing.status;
  if (enabledChanged) Object.assign(patch, { status, pauseNote: null, pausedUntil: null });
  if (status === 'inactive') patch.nextRunAt = null;
  else if (enabledChanged || changed.some((column) => timingColumns.has(column)) || !existing.nextRunAt) {
    patch.nextRunAt = computeFirstSlot(timingOf({ ...existing, ...desired, nextRunAt: null } as ScheduledJob), now);
  }
  const after = await updateSchedule(tx, schema, existing.id, { ...patch, updatedBy: 'code' }, null);
  await insertAuditEntry(tx, schema, { actor: 'code', action: 'schedule.update', entity: 'scheduled_job', entityId: existing.id, tenantId: existing.tenantId, before: existing, after });
  return 'updated';
}

export async function syncCodeSchedules(runtime: Runtime, definitions: readonly ScheduleDefinition[]) {
  const { db, schema } = runtime;
  const keys = definitions.map((definition) => definition.key);
  const duplicate = keys.find((key, index) => keys.indexOf(key) !== index);
  if (duplicate) throw new HourglassError(ErrorCode.invalidRegistry, `schedule key "${duplicate}" is defined twice in code`);
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`hourglass:${schema.name}:sync-schedules`]);
    const now = await readDatabaseNow(tx, runtime.clock);
    const counts = { created: 0, updated: 0, unchanged: 0, retired: 0 };
    for (const definition of definitions) counts[await syncOne(tx, runtime, definition, now)] += 1;
    for (const orphan of await listOrphanedCodeSchedules(tx, schema, keys)) {
      if (orphan.status === 'inactive') continue;
      const metadata = { ...orphan.metadata, code_enabled: false };
      const after = await updateSchedule(tx, schema, orphan.id, { status: 'inactive', nextRunAt: null, metadata, updatedBy: 'code' }, null);
      await insertAuditEntry(tx, schema, { actor: 'code', action: 'schedule.retire', entity: 'scheduled_job', entityId: orphan.id, tenantId: orphan.tenantId, before: orphan, after });
      counts.retired += 1;
    }
    if (counts.created + counts.updated + counts.retired > 0) await tx.query('select pg_notify($1, $2)', [schema.channel, Notification.schedules]);
    return counts;
  });
}
