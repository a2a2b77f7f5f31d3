/**
 * The schedules service: the one path by which the library, the CLI and the REST API change
 * schedules. It validates input, enforces what code-defined schedules allow, keeps
 * `next_run_at` consistent with status and timing, scopes by tenant, writes the audit log in
 * the same transaction as the change, and wakes schedulers (NOTIFY; in-process on PGlite).
 *
 * Status transitions and `next_run_at`:
 * - enable / create active: the first slot after now.
 * - pause: `next_run_at` kept; resume (by hand or `paused_until`) lets the missed-run policy
 *   decide about the slots that fell in the pause.
 * - disable: inactive, `next_run_at` cleared.
 */
import type { Queryable } from '../db/database.js';
import { deleteSchedule, findSchedule, insertSchedule, listSchedules, updateSchedule, type ScheduleColumns } from '../db/queries/scheduled-jobs.js';
import { insertAuditEntry } from '../db/queries/audit-log.js';
import { readDatabaseNow } from '../db/queries/database-now.js';
import { ErrorCode, HourglassError } from '../errors.js';
import type { ScheduledJob } from '../model.js';
import { Notification, type Runtime } from '../runtime.js';
import { computeFirstSlot } from '../time/slots.js';
import { timingOf } from '../scheduler/tick.js';
import { decodeCursor, encodeCursor, type Page } from './cursor.js';
import { inputFromSchedule, normalizeSchedule, parseWith, pauseInputSchema, scheduleInputSchema, type ScheduleInput } from './schedule-input.js';
import { fireSchedule, type FireResult } from './fire-schedule.js';
import { assertMayChange, canSee, libraryActor, resolveTenant, tenantFilter, type Actor } from './actor.js';

export { libraryActor, type Actor } from './actor.js';

export interface ScheduleListOptions {
  status?: 'active' | 'paused' | 'inactive';
  tenantId?: string | null;
  source?: 'code' | 'api' | 'import';
  jobType?: string;
  search?: string;
  limit?: number;
  cursor?: string;
}

/** Fields of a code-defined schedule that the API may change. */
const statusFields = new Set(['status', 'isActive', 'pausedUntil', 'pauseNote']);

export function createScheduleService(runtime: Runtime) {
  const { db, schema } = runtime;

  /** Reads a schedule the actor can see; `forChange` locks it and checks the actor may change it. */
  async function load(tx: Queryable, idOrKey: string, actor: Actor, forChange = false): Promise<ScheduledJob> {
    const row = typeof idOrKey === 'string' && idOrKey.length <= 200 ? await findSchedule(tx, schema, idOrKey, forChange) : null;
    if (!row || !canSee(actor, row.tenantId)) throw new HourglassError(ErrorCode.notFound, `schedule "${idOrKey}" not found`, { field: 'id' });
    if (forChange) assertMayChange(actor, row.tenantId, `schedule "${row.name}"`);
    return row;
  }

  /** Runs `change` in a transaction, audits it, and wakes schedulers after commit. */
  async function mutate<T extends ScheduledJob | null>(
    action: string,
    actor: Actor,
    change: (tx: Queryable) => Promise<{ before: ScheduledJob | null; after: T }>,
  ): Promise<T> {
    const result = await db.transaction(async (tx) => {
      const { before, after } = await change(tx);
      const subject = after ?? before;
      await insertAuditEntry(tx, schema, {
        actor: actor.name,
        action,
        entity: 'scheduled_job',
        entityId: subject?.id ?? null,
        tenantId: subject?.tenantId ?? null,
        before,
        after,
      });
      await tx.query('select pg_notify($1, $2)', [schema.channel, Notification.schedules]);
      return after;
    });
    runtime.wakeScheduler();
    return result;
  }

  function withNextRun(columns: ScheduleColumns, now: Date, keepNextRunAt: Date | null): ScheduleColumns {
    if (columns.status !== 'active' && columns.status !== 'paused') return { ...columns, nextRunAt: null };
    const timing = timingOf({ ...columns, nextRunAt: null } as ScheduledJob);
    return { ...columns, nextRunAt: keepNextRunAt ?? computeFirstSlot(timing, now) };
  }

  async function create(input: ScheduleInput, actor: Actor = libraryActor): Promise<ScheduledJob> {
    const parsed = parseWith(scheduleInputSchema, input);
    parsed.tenantId = resolveTenant(actor, parsed.tenantId);
    assertMayChange(actor, parsed.tenantId, 'a schedule without tenant_id');
    const columns = normalizeSchedule(parsed, runtime.registry);
    return mutate('schedule.create', actor, async (tx) => {
      if (columns.key && (await findSchedule(tx, schema, columns.key))) {
        throw new HourglassError(ErrorCode.conflict, `a schedule with key "${columns.key}" already exists`, { field: 'key' });
      }
      const now = await readDatabaseNow(tx, runtime.clock);
      const after = await insertSchedule(tx, schema, { ...withNextRun(columns, now, null), source: columns.source ?? 'api', createdBy: actor.name, updatedBy: actor.name });
      return { before: null, after };
    });
  }

  async function update(idOrKey: string, patch: Partial<ScheduleInput>, options: { version?: number; actor?: Actor } = {}): Promise<ScheduledJob> {
    const actor = options.actor ?? libraryActor;
    const parsed = parseWith(scheduleInputSchema.partial(), patch);
    return mutate('schedule.update', actor, async (tx) => {
      const before = await load(tx, idOrKey, actor, true);
      if (options.version !== undefined && options.version !== before.version) {
        throw new HourglassError(ErrorCode.conflict, `schedule "${before.name}" was changed by someone else (version ${before.version}, expected ${options.version}): reload and retry`, { field: 'version' });
      }
      const changed = Object.keys(parsed).filter((key) => parsed[key as keyof typeof parsed] !== undefined);
      if (before.source === 'code' && changed.some((key) => !statusFields.has(key))) {
        throw new HourglassError(ErrorCode.readOnlySchedule, `schedule "${before.key}" is defined in code: only its status may change (change the code to change the rest)`, { field: changed.find((key) => !statusFields.has(key)) });
      }
      const merged = { ...inputFromSchedule(before), ...parsed };
      // A new target or timing without its mode replaces the old one: the stored fields must not
      // win the inference (a kept job type beside a new group, a kept cron beside a new interval).
      if ((parsed.jobType || parsed.jobGroup || parsed.jobTypes) && !parsed.executionMode) {
        delete merged.executionMode;
        if (!parsed.jobType) merged.jobType = null;
        if (!parsed.jobGroup) merged.jobGroup = null;
      }
      if ((parsed.cronExpression || parsed.intervalSeconds || parsed.runAt) && !parsed.scheduleType) {
        delete merged.scheduleType;
        // run_at alone keeps an interval (its new start); beside a stored cron it makes a once.
        if (!parsed.cronExpression) merged.cronExpression = null;
      }
      if (parsed.isActive !== undefined && parsed.status === undefined) delete merged.status;
      merged.tenantId = resolveTenant(actor, merged.tenantId);
      assertMayChange(actor, merged.tenantId, 'a schedule without tenant_id');
      const columns = normalizeSchedule(merged, runtime.registry);
      const timingChanged = ['scheduleType', 'cronExpression', 'timezone', 'intervalSeconds', 'runAt', 'dstGap', 'dstOverlap'].some((key) => key in parsed);
      const reactivated = before.status === 'inactive' && columns.status !== 'inactive';
      const now = await readDatabaseNow(tx, runtime.clock);
      const next = withNextRun(columns, now, timingChanged || reactivated ? null : before.nextRunAt);
      const after = await updateSchedule(tx, schema, before.id, { ...next, source: before.source, updatedBy: actor.name }, before.version);
      return { before, after: after! };
    });
  }

  /** A status change allowed on every schedule, code-defined ones included. */
  async function setStatus(action: string, idOrKey: string, actor: Actor, decide: (row: ScheduledJob, now: Date) => ScheduleColumns) {
    return mutate(action, actor, async (tx) => {
      const before = await load(tx, idOrKey, actor, true);
      const now = await readDatabaseNow(tx, runtime.clock);
      const after = await updateSchedule(tx, schema, before.id, { ...decide(before, now), updatedBy: actor.name }, null);
      return { before, after: after! };
    });
  }

  return {
    create,
    update,

    async get(idOrKey: string, actor: Actor = libraryActor): Promise<ScheduledJob> {
      return load(db, idOrKey, actor);
    },

    async list(options: ScheduleListOptions = {}, actor: Actor = libraryActor): Promise<Page<ScheduledJob>> {
      const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
      const after = options.cursor ? decodeCursor(options.cursor, 2) : undefined;
      const rows = await listSchedules(db, schema, {
        status: options.status,
        tenantId: tenantFilter(actor, options.tenantId),
        source: options.source,
        jobType: options.jobType,
        search: options.search,
        limit: limit + 1,
        after: after ? { name: after[0]!, id: after[1]! } : undefined,
      });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.name, last.id]) : null };
    },

    pause(idOrKey: string, options: { note?: string | null; until?: Date | string | null } = {}, actor: Actor = libraryActor) {
      const { note, until } = parseWith(pauseInputSchema, options);
      return setStatus('schedule.pause', idOrKey, actor, (row, now) => {
        if (until && until <= now) throw new HourglassError(ErrorCode.validationError, 'until: expected an instant in the future', { field: 'until' });
        return { status: 'paused', pauseNote: note ?? null, pausedUntil: until ?? null, nextRunAt: row.nextRunAt ?? computeFirstSlot(timingOf(row), now) };
      });
    },

    resume(idOrKey: string, actor: Actor = libraryActor) {
      return setStatus('schedule.resume', idOrKey, actor, (row, now) => {
        if (row.status === 'inactive') throw new HourglassError(ErrorCode.invalidState, `schedule "${row.name}" is inactive: enable it instead`);
        return { status: 'active', pauseNote: null, pausedUntil: null, nextRunAt: row.nextRunAt ?? computeFirstSlot(timingOf(row), now) };
      });
    },

    enable(idOrKey: string, actor: Actor = libraryActor) {
      return setStatus('schedule.enable', idOrKey, actor, (row, now) =>
        row.status === 'active' ? {} : { status: 'active', pauseNote: null, pausedUntil: null, nextRunAt: computeFirstSlot({ ...timingOf(row), nextRunAt: null }, now) },
      );
    },

    disable(idOrKey: string, actor: Actor = libraryActor) {
      return setStatus('schedule.disable', idOrKey, actor, () => ({ status: 'inactive', pauseNote: null, pausedUntil: null, nextRunAt: null }));
    },

    async delete(idOrKey: string, actor: Actor = libraryActor): Promise<void> {
      await mutate('schedule.delete', actor, async (tx) => {
        const before = await load(tx, idOrKey, actor, true);
        // A code-defined schedule comes back at the next start while its code exists; once
        // its key has left the code (retired), deleting it is cleanup.
        if (before.source === 'code' && runtime.config.schedules.some((definition) => definition.key === before.key)) {
          throw new HourglassError(ErrorCode.readOnlySchedule, `schedule "${before.key}" is defined in code: remove it from the code to delete it (disable it to stop it)`, { field: 'id' });
        }
        await deleteSchedule(tx, schema, before.id);
        return { before, after: null };
      });
    },

    /** Fires the schedule now (trigger `manual`), whatever its status and overlap policy. */
    trigger(idOrKey: string, options: { payload?: Record<string, unknown> } = {}, actor: Actor = libraryActor): Promise<FireResult> {
      return fireSchedule(runtime, { idOrKey, actor, kind: 'trigger', payload: options.payload, load });
    },

    /** Fires every slot between `from` (exclusive) and `to` (inclusive), trigger `backfill`, with the overlap policy. */
    backfill(idOrKey: string, range: { from: Date | string; to: Date | string }, actor: Actor = libraryActor): Promise<FireResult> {
      return fireSchedule(runtime, { idOrKey, actor, kind: 'backfill', range, load });
    },
  };
}

export type ScheduleService = ReturnType<typeof createScheduleService>;
