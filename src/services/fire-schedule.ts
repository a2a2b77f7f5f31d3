/**
 * Firing a schedule outside its slots: "run now" (trigger `manual`, always creates runs) and
 * backfill (every slot of a range, trigger `backfill`, with the schedule's overlap policy).
 * Same planning as the scheduler (`planFiring`), same insert, same audit and NOTIFY.
 */
import type { Queryable } from '../db/database.js';
import { insertRuns, recordFiring, selectActiveRuns } from '../db/queries/fire-due.js';
import { cancelRunsNow } from '../worker/cancel-runs.js';
import { insertAuditEntry } from '../db/queries/audit-log.js';
import { readDatabaseNow } from '../db/queries/database-now.js';
import { ErrorCode, HourglassError } from '../errors.js';
import type { ScheduledJob } from '../model.js';
import type { Runtime } from '../runtime.js';
import { REPLACED_REASON, jobDefaultsFrom, resolveBatch, timingOf } from '../scheduler/tick.js';
import { planFiring, type FiringSlot, type PlannedRun } from '../scheduler/plan-firing.js';
import { computeNextSlot } from '../time/slots.js';
import { newId } from '../util/ids.js';
import type { Actor } from './actor.js';
import { sqlNow } from '../util/clock.js';

/** Most slots one backfill may fire. */
export const MAX_BACKFILL_SLOTS = 1000;

export interface FireResult {
  runs: PlannedRun[];
  fired: number;
  skipped: number;
}

interface FireRequest {
  idOrKey: string;
  actor: Actor;
  kind: 'trigger' | 'backfill';
  payload?: Record<string, unknown>;
  range?: { from: Date | string; to: Date | string };
  load: (tx: Queryable, idOrKey: string, actor: Actor, lock?: boolean) => Promise<ScheduledJob>;
}

function toInstant(value: Date | string, field: string): Date {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new HourglassError(ErrorCode.validationError, `${field}: expected an ISO instant`, { field });
  return date;
}

/** The slots of `schedule` in (from, to], at most MAX_BACKFILL_SLOTS (more is an error, not a silent cut). */
export function listBackfillSlots(schedule: ScheduledJob, range: { from: Date | string; to: Date | string }): FiringSlot[] {
  const from = toInstant(range.from, 'from');
  const to = toInstant(range.to, 'to');
  if (to <= from) throw new HourglassError(ErrorCode.validationError, 'to: expected an instant after from', { field: 'to' });
  // The same slot rule as the scheduler; an interval keeps the phase of its slot chain.
  const timing = timingOf(schedule);
  if (timing.scheduleType === 'interval') timing.nextRunAt ??= schedule.runAt ?? schedule.createdAt;
  const slots: Date[] = [];
  for (let slot = computeNextSlot(timing, from); slot && slot <= to && slots.length <= MAX_BACKFILL_SLOTS; slot = computeNextSlot(timing, slot)) {
    slots.push(slot);
  }
  if (slots.length > MAX_BACKFILL_SLOTS) {
    throw new HourglassError(ErrorCode.validationError, `to: the range holds more than ${MAX_BACKFILL_SLOTS} slots; backfill a shorter range`, { field: 'to' });
  }
  return slots.map((slot) => ({ slot, trigger: 'backfill' }));
}

export async function fireSchedule(runtime: Runtime, request: FireRequest): Promise<FireResult> {
  const { db, schema } = runtime;
  const result = await db.transaction(async (tx) => {
    const schedule = await request.load(tx, request.idOrKey, request.actor, true);
    const now = await readDatabaseNow(tx, runtime.clock);
    const slots: FiringSlot[] = request.kind === 'trigger' ? [{ slot: null, trigger: 'manual' }] : listBackfillSlots(schedule, request.range!);
    const active = request.kind === 'trigger' ? [] : await selectActiveRuns(tx, schema, [schedule.id]);
    const plan = planFiring({
      schedule: request.payload ? { ...schedule, payload: { ...schedule.payload, ...request.payload } } : schedule,
      slots,
      activeRuns: active,
      batch: resolveBatch(runtime, schedule),
      jobDefaults: jobDefaultsFrom(runtime),
      now,
      overlapPolicy: request.kind === 'trigger' ? 'allow' : undefined,
      createdBy: request.actor.name,
      newId,
      random: runtime.random,
    });
    await insertRuns(tx, schema, plan.runs, sqlNow(runtime.clock));
    if (plan.cancelRunIds.length > 0) await cancelRunsNow(tx, schema, plan.cancelRunIds, { reason: REPLACED_REASON, now: sqlNow(runtime.clock) });
    await recordFiring(tx, schema, schedule.id, { fired: plan.fired, skipped: plan.skipped, now, lastRunId: plan.lastRunId });
    await insertAuditEntry(tx, schema, {
      actor: request.actor.name,
      action: request.kind === 'trigger' ? 'schedule.trigger' : 'schedule.backfill',
      entity: 'scheduled_job',
      entityId: schedule.id,
      tenantId: schedule.tenantId,
      before: null,
      after: { runs: plan.runs.length, fired: plan.fired, skipped: plan.skipped, range: request.range ?? null },
    });
    return { runs: plan.runs, fired: plan.fired, skipped: plan.skipped };
  });
  if (result.fired > 0) runtime.wakeWorker();
  return result;
}
