/**
 * One scheduler pass, in one transaction: resume schedules whose pause expired, lock due
 * schedules (SKIP LOCKED), decide their slots (`time/slots.ts`) and runs
 * (`plan-firing.ts`), insert the runs, cancel runs a `replace` policy displaces, advance
 * every schedule, and NOTIFY workers. Either all of it commits or none of it does, so a
 * crash mid-tick fires nothing and loses nothing.
 *
 * Hand-off: in a process that also runs a worker, runs this process's worker can start at once
 * (free slots and nothing queued, a job type it handles without a cluster-wide cap, no
 * dependency to wait for, due now) are inserted `running` under its lease and given to it
 * after the commit, instead of waiting for its claim: one statement and one wake-up fewer
 * between a slot and its handler. Crash safety is a claimed run's: if the process dies, the
 * lease lapses and recovery runs the run elsewhere. Other workers never see such a run pending,
 * which is the point: the slot's own process starts it at once.
 *
 * `now` is the database clock unless the caller passes an instant (tests, `hourglass tick`).
 */
import { lockDueSchedules, resumePauses, writeFirings, type DueSchedule, type HandOff, type ScheduleAdvance } from '../db/queries/fire-due.js';
import { cancelRunsNow } from '../worker/cancel-runs.js';
import type { JobRun, ScheduledJob } from '../model.js';
import type { Runtime, WorkerRoom } from '../runtime.js';
import { createDuePlanner, type DueSlotPlan, type ScheduleTiming } from '../time/slots.js';
import type { Exclusion } from '../time/exclusions.js';
import { newId } from '../util/ids.js';
import { planFiring, type ActiveRun, type FiringPlan, type FiringSlot, type JobDefaults, type PlannedRun } from './plan-firing.js';
import type { BatchPlan, ScheduleTargetFields } from '../registry/registry.js';
import { isHourglassError } from '../errors.js';
import { sqlNow } from '../util/clock.js';

/** Why runs displaced by the `replace` overlap policy ended. */
export const REPLACED_REASON = 'replaced by a newer run (overlap policy replace)';

export interface TickOptions {
  /** The instant to treat as now; default: the database clock (or the runtime clock's override). */
  now?: Date;
  /** Called as soon as the lock came back full (more schedules are likely due), before planning. */
  onBacklog?: () => void;
}

export interface TickResult {
  schedules: number;
  runs: number;
  skipped: number;
  missed: number;
  suppressed: number;
  /** True when the batch limit was reached: more schedules may be due. */
  hasMore: boolean;
}

export function timingOf(schedule: Pick<ScheduledJob, keyof ScheduleTiming>): ScheduleTiming {
  return {
    scheduleType: schedule.scheduleType,
    cronExpression: schedule.cronExpression,
    timezone: schedule.timezone,
    intervalSeconds: schedule.intervalSeconds,
    runAt: schedule.runAt,
    dstGap: schedule.dstGap,
    dstOverlap: schedule.dstOverlap,
    exclusions: schedule.exclusions as Exclusion[],
    missedRunPolicy: schedule.missedRunPolicy,
    catchUpWindowSeconds: schedule.catchUpWindowSeconds,
    nextRunAt: schedule.nextRunAt,
  };
}

/** Default run settings of a job type; a job type unknown here falls back to the defaults. */
export function jobDefaultsFrom(runtime: Runtime): (jobType: string) => JobDefaults {
  return (jobType) => {
    const job = runtime.registry.get(jobType);
    return { maxAttempts: job?.maxAttempts ?? 3, timeoutSeconds: job?.timeoutSeconds ?? null, priority: job?.priority ?? 0 };
  };
}

/**
 * The batch a schedule's target resolves to. A `single_job` target needs no registry: its runs
 * wait for a worker that knows the job type.
 */
export function resolveBatch(runtime: Runtime, schedule: ScheduleTargetFields): BatchPlan {
  if (schedule.executionMode === 'single_job' && !runtime.registry.get(schedule.jobType ?? '')) {
    return { jobTypes: [schedule.jobType ?? ''], dependsOn: new Map() };
  }
  return runtime.registry.resolveTarget(schedule);
}

interface Firing {
  schedule: DueSchedule;
  plan: FiringPlan;
  slots: FiringSlot[];
  advance: ScheduleAdvance;
  /** Why the target does not resolve in this process (an unknown group), if it does not. */
  unresolved: string | null;
}

function planSchedule(runtime: Runtime, schedule: DueSchedule, active: ActiveRun[], now: Date, planSlots: (timing: ScheduleTiming) => DueSlotPlan): Firing {
  const due = planSlots(timingOf(schedule));
  const slots: FiringSlot[] = due.fire.map(({ slot, trigger }) => ({ slot, trigger }));
  let plan: FiringPlan = { runs: [], cancelRunIds: [], fired: 0, skipped: 0, lastRunId: null };
  let unresolved: string | null = null;
  if (slots.length > 0) {
    try {
      plan = planFiring({
        schedule,
        slots,
        activeRuns: active,
        batch: resolveBatch(runtime, schedule),
        jobDefaults: jobDefaultsFrom(runtime),
        now,
        newId,
        random: runtime.random,
      });
    } catch (error) {
      // A target this process cannot resolve (unknown group) must not stop other schedules.
      if (!isHourglassError(error)) throw error;
      unresolved = error.message;
    }
  }
  const lastSlot = slots.at(-1)?.slot ?? null;
  return {
    schedule,
    plan,
    slots,
    advance: {
      id: schedule.id,
      nextRunAt: due.nextRunAt,
      status: schedule.scheduleType === 'once' && due.nextRunAt === null ? 'inactive' : null,
      fired: plan.fired,
      skipped: plan.skipped,
      missed: due.missed + (slots.length > 0 && plan.runs.length === 0 ? slots.length : 0),
      suppressed: due.suppressed,
      lastRunAt: plan.fired > 0 ? lastSlot : null,
      lastRunId: plan.lastRunId,
    },
    unresolved,
  };
}

export async function tick(runtime: Runtime, options: TickOptions = {}): Promise<TickResult> {
  const { result, handed, started } = (await fire(runtime, options, false))!;
  if (handed.length > 0) runtime.localWorker()?.adopt(handed, started);
  return result;
}

/** A tick ahead of its slot that committed: its runs wait for `start()`, at the slot. */
export interface TickAhead {
  result: TickResult;
  start(): void;
}

/**
 * Fires the slots due at `at` before `at` comes, so that the tick's statements are done by the
 * slot and `start()` at the slot starts the handlers without a round trip (see `scheduler.ts`).
 * It commits only if every run it fires goes to this process's worker and nothing else depends
 * on the moment: no skipped or waiting run (the overlap policy is decided at the slot), no run
 * to cancel, no pause that ends, no backlog. Otherwise it rolls back, writes nothing and
 * resolves null: the slot is fired by a tick at its instant, as without firing ahead.
 *
 * The runs are `running` under this worker's lease from the commit, with `started_at` at the
 * slot; a crash before `start()` leaves them to lease recovery, as a crash after it would.
 */
export async function tickAhead(runtime: Runtime, at: Date): Promise<TickAhead | null> {
  const fired = await fire(runtime, { now: at }, true);
  if (!fired) return null;
  const { result, handed, started } = fired;
  return {
    result,
    // Fences count the lease from before the transaction (earlier than the database's, from `at`);
    // the wait before the handler counts from here, so `started_at` stays the slot.
    start: () => runtime.localWorker()?.adopt(handed, started, performance.now()),
  };
}

/** Thrown inside a tick ahead of its slot to roll it back. */
const NOT_AHEAD = new Error('this slot cannot fire ahead of its instant');

interface Fired {
  result: TickResult;
  /** Runs inserted `running` under the local worker's lease, for it to adopt. */
  handed: JobRun[];
  /** `performance.now()` before the transaction. */
  started: number;
}

/** Whether a tick may commit ahead of its slot (see `tickAhead`). */
function firesAhead(firings: readonly Firing[], handOff: HandOff | null, resumed: readonly string[], batchFull: boolean): boolean {
  if (!handOff || resumed.length > 0 || batchFull) return false;
  return firings.every(({ plan }) => plan.cancelRunIds.length === 0 && plan.runs.every((run) => handOff.runIds.has(run.id)));
}

async function fire(runtime: Runtime, options: TickOptions, ahead: boolean): Promise<Fired | null> {
  const { db, schema, config } = runtime;
  const explicitNow = options.now ?? sqlNow(runtime.clock);
  const started = performance.now();
  // The tick's commit need not wait for the WAL flush: if the server crashes before the flush,
  // the runs and the advance of next_run_at are lost together, and the slots fire again after
  // the restart. At most a handler that already started runs twice, which at-least-once allows.
  // Its statements' best plans (index walks by due time, by id) never depend on the parameters.
  const outcome = await db
    .transaction(async (tx) => {
      let { now, expired, due } = await lockDueSchedules(tx, schema, explicitNow, config.scheduler.batchSize);
      const resumed = expired.length > 0 ? await resumePauses(tx, schema, explicitNow, expired) : [];
      // Resumed schedules are active now: the lock again takes the due ones among them too.
      if (resumed.length > 0) ({ now, due } = await lockDueSchedules(tx, schema, explicitNow, config.scheduler.batchSize));
      if (due.length === 0) {
        if (ahead) throw NOT_AHEAD;
        return { resumed, firings: [] as Firing[], inserted: new Set<string>(), batchFull: false, handOff: null };
      }
      const batchFull = due.length >= config.scheduler.batchSize;
      if (batchFull) options.onBacklog?.();
      const planSlots = createDuePlanner(now, { lateToleranceMs: config.scheduler.lateToleranceMs, maxCatchUp: config.scheduler.maxCatchUp });
      const firings = due.map((schedule) => planSchedule(runtime, schedule, schedule.activeRuns ?? [], now, planSlots));
      const runs = firings.flatMap((firing) => firing.plan.runs);
      const room = runtime.localWorker()?.room();
      const handOff = room ? { workerId: room.workerId, leaseMs: room.leaseMs, runIds: pickHandOff(runs, room, now), now } : null;
      if (ahead && !firesAhead(firings, handOff, resumed, batchFull)) throw NOT_AHEAD;
      // Logged past a tick ahead's refusal: the tick at the slot plans it again, and logs it then.
      for (const { schedule, unresolved } of firings) {
        if (unresolved) runtime.logger.error({ schedule: schedule.name, err: unresolved }, 'cannot fire schedule: its target does not resolve');
      }
      const inserted = await writeFirings(tx, schema, { runs, advances: firings.map((firing) => firing.advance), handOff }, explicitNow);
      const toCancel = firings.flatMap((firing) => firing.plan.cancelRunIds);
      if (toCancel.length > 0) await cancelRunsNow(tx, schema, toCancel, { reason: REPLACED_REASON, now: explicitNow });
      return { resumed, firings, inserted, batchFull, handOff };
    }, { relaxedCommit: true, genericPlans: true, dedicated: true })
    .catch((error: unknown) => {
      if (error === NOT_AHEAD) return null;
      throw error;
    });
  if (!outcome) return null;
  const { handOff, inserted } = outcome;
  const handed = handOff
    ? outcome.firings.flatMap((firing) => firing.plan.runs).filter((run) => handOff.runIds.has(run.id) && inserted.has(run.id)).map((run) => leasedRun(run, handOff))
    : [];
  // The tick's events and logs come before the handed runs start, so that `schedule:fired`
  // comes before the run's own events.
  const result = reportTick(runtime, outcome, handed.length, performance.now() - started);
  return { result, handed, started };
}

/** The runs of this tick that the local worker can start at once (see the module comment). */
export function pickHandOff(runs: readonly PlannedRun[], room: WorkerRoom, now: Date): Set<string> {
  const picked = new Set<string>();
  for (const run of runs) {
    if (picked.size >= room.slots) break;
    const ready = run.status === 'pending' && run.dependsOn.length === 0 && run.waitsFor.length === 0 && run.runAfter.getTime() <= now.getTime();
    if (ready && room.jobTypes.has(run.jobType)) picked.add(run.id);
  }
  return picked;
}

/** A handed-over run as `writeFiringsSql` inserted it: running, attempt 1, leased from the tick's now. */
function leasedRun(run: PlannedRun, handOff: HandOff & { now: Date }): JobRun {
  const { now, workerId, leaseMs } = handOff;
  return {
    id: run.id,
    scheduledJobId: run.scheduledJobId,
    scheduleName: run.scheduleName,
    batchId: run.batchId,
    tenantId: run.tenantId,
    jobType: run.jobType,
    trigger: run.trigger,
    status: 'running',
    priority: run.priority,
    payload: run.payload,
    scheduledFor: run.scheduledFor,
    runAfter: run.runAfter,
    attempt: 1,
    maxAttempts: run.maxAttempts,
    timeoutSeconds: run.timeoutSeconds,
    dependsOn: [],
    waitsFor: [],
    retryOf: run.retryOf ?? null,
    workerId,
    leaseExpiresAt: new Date(now.getTime() + leaseMs),
    cancelRequestedAt: null,
    startedAt: now,
    finishedAt: null,
    errorMessage: null,
    metrics: {},
    result: null,
    metadata: run.metadata ?? {},
    createdBy: run.createdBy,
    createdAt: now,
  };
}

/** The inserted runs of one firing, one group per slot: `planFiring` keeps a slot's runs adjacent. */
function groupInsertedBySlot(runs: readonly PlannedRun[], inserted: ReadonlySet<string>): PlannedRun[][] {
  const groups: PlannedRun[][] = [];
  let previous: PlannedRun | null = null;
  for (const run of runs) {
    if (!inserted.has(run.id)) continue;
    const sameSlot = previous !== null && previous.trigger === run.trigger && previous.scheduledFor?.getTime() === run.scheduledFor?.getTime();
    if (sameSlot) groups.at(-1)!.push(run);
    else groups.push([run]);
    previous = run;
  }
  return groups;
}

function reportTick(
  runtime: Runtime,
  outcome: { resumed: string[]; firings: Firing[]; inserted: Set<string>; batchFull: boolean },
  handed: number,
  durationMs: number,
): TickResult {
  const { events, logger } = runtime;
  for (const scheduleId of outcome.resumed) events.emit('schedule:resumed', { scheduleId });
  const result: TickResult = { schedules: outcome.firings.length, runs: 0, skipped: 0, missed: 0, suppressed: 0, hasMore: outcome.batchFull };
  // A line per fired slot: at a level that drops it, its fields are not worth building.
  const logSlots = logger.isLevelEnabled('info');
  for (const { schedule, plan, advance } of outcome.firings) {
    result.skipped += advance.skipped;
    result.missed += advance.missed;
    result.suppressed += advance.suppressed;
    for (const runs of groupInsertedBySlot(plan.runs, outcome.inserted)) {
      const first = runs[0]!;
      const skipped = first.status === 'skipped';
      if (!skipped) result.runs += runs.length;
      if (logSlots) {
        logger.info(
          { schedule: schedule.name, slot: first.scheduledFor?.toISOString(), trigger: first.trigger, runs: runs.length, ...(skipped ? { skipped: first.errorMessage } : {}) },
          skipped ? 'slot skipped' : 'slot fired',
        );
      }
      events.emit('schedule:fired', {
        scheduleId: schedule.id,
        scheduleName: schedule.name,
        slot: first.scheduledFor,
        trigger: first.trigger,
        runIds: runs.map((run) => run.id),
        skipped,
      });
    }
    if (logSlots && (advance.missed > 0 || advance.suppressed > 0)) {
      logger.info({ schedule: schedule.name, missed: advance.missed, suppressed: advance.suppressed }, 'slots not fired');
    }
  }
  events.emit('scheduler:tick:completed', { schedules: result.schedules, runs: result.runs, skipped: result.skipped, missed: result.missed, suppressed: result.suppressed, durationMs });
  // Handed-over runs are started already; the rest wait for a claim.
  if (result.runs > handed) runtime.wakeWorker();
  return result;
}
