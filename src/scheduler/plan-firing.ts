/**
 * What one firing of a schedule writes: pure decision code, shared by the scheduler's tick,
 * manual triggers and backfills.
 *
 * Input: the schedule, the slots to fire (oldest first), the schedule's active runs (pending or
 * running) and the batch the target resolves to. Output: the run rows to insert (pending, or
 * `skipped` with the reason), the active runs to cancel (`replace`), and counters.
 *
 * Overlap policies (SPEC §3), applied slot by slot so that several slots fired in one tick
 * see each other's runs:
 * - `allow`: always create runs.
 * - `skip`: while any run of the schedule is active, the slot gets `skipped` rows instead.
 * - `queue`: at most one waiting firing: with a run still pending the slot is skipped; with
 *   only running runs, the new runs wait for them (`waits_for`) whatever their outcome.
 * - `replace`: active runs are cancelled, then the new runs are created.
 *
 * A batch (group, all_jobs, custom) is one run per job type with `depends_on` edges from the
 * registry. Run ids are generated here so the edges can be written in the same insert.
 */
import type { BatchPlan } from '../registry/registry.js';
import type { OverlapPolicy, RunStatus, Trigger } from '../model.js';

export interface FiringSchedule {
  id: string;
  name: string;
  tenantId: string | null;
  overlapPolicy: OverlapPolicy;
  payload: Record<string, unknown>;
  priority: number;
  maxAttempts: number | null;
  timeoutSeconds: number | null;
  jitterSeconds: number;
}

export interface ActiveRun {
  id: string;
  status: RunStatus;
}

export interface JobDefaults {
  maxAttempts: number;
  timeoutSeconds: number | null;
  priority: number;
}

export interface PlannedRun {
  id: string;
  scheduledJobId: string | null;
  scheduleName: string | null;
  batchId: string | null;
  tenantId: string | null;
  jobType: string;
  trigger: Trigger;
  status: 'pending' | 'skipped';
  priority: number;
  payload: Record<string, unknown>;
  scheduledFor: Date | null;
  runAfter: Date;
  maxAttempts: number;
  timeoutSeconds: number | null;
  dependsOn: string[];
  waitsFor: string[];
  errorMessage: string | null;
  createdBy: string | null;
  /** The run this one retries (trigger `retry`). */
  retryOf?: string | null;
  /** Caller's notes on an enqueued run (not handed to the handler). */
  metadata?: Record<string, unknown>;
}

export interface FiringSlot {
  /** The slot instant, or null for a manual trigger. */
  slot: Date | null;
  trigger: Trigger;
}

export interface FiringInput {
  schedule: FiringSchedule;
  slots: readonly FiringSlot[];
  activeRuns: readonly ActiveRun[];
  batch: BatchPlan;
  jobDefaults: (jobType: string) => JobDefaults;
  now: Date;
  /** Overrides the schedule's overlap policy (manual triggers always create runs). */
  overlapPolicy?: OverlapPolicy;
  createdBy?: string | null;
  newId: () => string;
  random: () => number;
}

export interface FiringPlan {
  runs: PlannedRun[];
  /** Active runs to cancel (`replace`). */
  cancelRunIds: string[];
  /** Slots that created runs. */
  fired: number;
  /** Slots skipped by the overlap policy. */
  skipped: number;
  /** The first run of the newest firing that created runs. */
  lastRunId: string | null;
}

type SlotDecision = { kind: 'run'; waitsFor: string[] } | { kind: 'skip'; reason: string };

function decideOverlap(policy: OverlapPolicy, active: readonly ActiveRun[]): SlotDecision {
  if (active.length === 0 || policy === 'allow' || policy === 'replace') return { kind: 'run', waitsFor: [] };
  const pending = active.find((run) => run.status === 'pending');
  if (policy === 'skip') {
    const blocking = pending ?? active[0]!;
    return { kind: 'skip', reason: `skipped: run ${blocking.id} of this schedule is still ${blocking.status} (overlap policy skip)` };
  }
  if (pending) return { kind: 'skip', reason: `skipped: run ${pending.id} is already waiting (overlap policy queue allows one)` };
  return { kind: 'run', waitsFor: active.map((run) => run.id) };
}

export function planFiring(input: FiringInput): FiringPlan {
  const { schedule, batch, now } = input;
  const policy = input.overlapPolicy ?? schedule.overlapPolicy;
  let active = [...input.activeRuns];
  const plan: FiringPlan = { runs: [], cancelRunIds: [], fired: 0, skipped: 0, lastRunId: null };

  for (const { slot, trigger } of input.slots) {
    if (policy === 'replace' && active.length > 0) {
      plan.cancelRunIds.push(...active.filter((run) => !plan.cancelRunIds.includes(run.id)).map((run) => run.id));
      active = [];
    }
    const decision = decideOverlap(policy, active);
    const batchId = batch.jobTypes.length > 1 ? input.newId() : null;
    const idByJobType = new Map(batch.jobTypes.map((jobType) => [jobType, input.newId()] as const));
    const base = slot ?? now;
    const runAfter = new Date(base.getTime() + Math.floor(input.random() * schedule.jitterSeconds * 1000));
    const created: PlannedRun[] = batch.jobTypes.map((jobType) => {
      const defaults = input.jobDefaults(jobType);
      return {
        id: idByJobType.get(jobType)!,
        scheduledJobId: schedule.id,
        scheduleName: schedule.name,
        batchId,
        tenantId: schedule.tenantId,
        jobType,
        trigger,
        status: decision.kind === 'run' ? 'pending' : 'skipped',
        priority: schedule.priority !== 0 ? schedule.priority : defaults.priority,
        payload: schedule.payload,
        scheduledFor: slot,
        runAfter,
        maxAttempts: schedule.maxAttempts ?? defaults.maxAttempts,
        timeoutSeconds: schedule.timeoutSeconds ?? defaults.timeoutSeconds,
        dependsOn: (batch.dependsOn.get(jobType) ?? []).map((dependency) => idByJobType.get(dependency)!),
        waitsFor: decision.kind === 'run' ? decision.waitsFor : [],
        errorMessage: decision.kind === 'skip' ? decision.reason : null,
        createdBy: input.createdBy ?? null,
      };
    });
    plan.runs.push(...created);
    if (decision.kind === 'skip') {
      plan.skipped += 1;
      continue;
    }
    plan.fired += 1;
    plan.lastRunId = created[0]?.id ?? plan.lastRunId;
    active = [...active, ...created.map((run) => ({ id: run.id, status: 'pending' as const }))];
  }
  return plan;
}
