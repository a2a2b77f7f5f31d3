/**
 * The entities of SPEC §2 as TypeScript sees them (camelCase; wire JSON is snake_case and is
 * mapped in the API layer). Enumerations are frozen const objects whose values are exactly the
 * database strings, each with a union type of the same name.
 */

export const RunStatus = Object.freeze({
  pending: 'pending',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  skipped: 'skipped',
} as const);
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];
export const finishedRunStatuses: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'skipped'];

export const ScheduleStatus = Object.freeze({ active: 'active', paused: 'paused', inactive: 'inactive' } as const);
export type ScheduleStatus = (typeof ScheduleStatus)[keyof typeof ScheduleStatus];

export const ExecutionMode = Object.freeze({
  singleJob: 'single_job',
  group: 'group',
  allJobs: 'all_jobs',
  custom: 'custom',
} as const);
export type ExecutionMode = (typeof ExecutionMode)[keyof typeof ExecutionMode];

export const ScheduleType = Object.freeze({ cron: 'cron', interval: 'interval', once: 'once' } as const);
export type ScheduleType = (typeof ScheduleType)[keyof typeof ScheduleType];

export const ScheduleSource = Object.freeze({ code: 'code', api: 'api', import: 'import' } as const);
export type ScheduleSource = (typeof ScheduleSource)[keyof typeof ScheduleSource];

export const Trigger = Object.freeze({
  cron: 'cron',
  manual: 'manual',
  api: 'api',
  retry: 'retry',
  catchUp: 'catch_up',
  backfill: 'backfill',
  event: 'event',
} as const);
export type Trigger = (typeof Trigger)[keyof typeof Trigger];

export const MissedRunPolicy = Object.freeze({ skip: 'skip', runOnce: 'run_once', catchUp: 'catch_up' } as const);
export type MissedRunPolicy = (typeof MissedRunPolicy)[keyof typeof MissedRunPolicy];

export const OverlapPolicy = Object.freeze({ allow: 'allow', skip: 'skip', queue: 'queue', replace: 'replace' } as const);
export type OverlapPolicy = (typeof OverlapPolicy)[keyof typeof OverlapPolicy];

export type DstGapPolicy = 'shift' | 'skip';
export type DstOverlapPolicy = 'first' | 'last' | 'both';

export interface ScheduledJob {
  id: string;
  key: string | null;
  name: string;
  description: string | null;
  tenantId: string | null;
  source: ScheduleSource;
  sourceRef: string | null;
  executionMode: ExecutionMode;
  jobType: string | null;
  jobGroup: string | null;
  jobTypes: string[] | null;
  payload: Record<string, unknown>;
  metadata: Record<string, unknown>;
  scheduleType: ScheduleType;
  cronExpression: string | null;
  timezone: string;
  intervalSeconds: number | null;
  runAt: Date | null;
  status: ScheduleStatus;
  pausedUntil: Date | null;
  pauseNote: string | null;
  missedRunPolicy: MissedRunPolicy;
  catchUpWindowSeconds: number;
  overlapPolicy: OverlapPolicy;
  dstGap: DstGapPolicy;
  dstOverlap: DstOverlapPolicy;
  exclusions: unknown[];
  pauseAfterFailures: number | null;
  maxAttempts: number | null;
  timeoutSeconds: number | null;
  priority: number;
  jitterSeconds: number;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  /** When a slot last went unfired under the missed-run policy. */
  lastMissedAt: Date | null;
  lastRunId: string | null;
  lastStatus: string | null;
  lastError: string | null;
  runCount: number;
  successCount: number;
  failureCount: number;
  consecutiveFailures: number;
  skippedCount: number;
  missedCount: number;
  suppressedCount: number;
  createdBy: string | null;
  updatedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface JobRun {
  id: string;
  scheduledJobId: string | null;
  scheduleName: string | null;
  batchId: string | null;
  tenantId: string | null;
  jobType: string;
  trigger: Trigger;
  status: RunStatus;
  priority: number;
  payload: Record<string, unknown>;
  scheduledFor: Date | null;
  runAfter: Date;
  attempt: number;
  maxAttempts: number;
  timeoutSeconds: number | null;
  dependsOn: string[];
  waitsFor: string[];
  retryOf: string | null;
  workerId: string | null;
  leaseExpiresAt: Date | null;
  cancelRequestedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  errorMessage: string | null;
  metrics: Record<string, unknown>;
  result: unknown;
  metadata: Record<string, unknown>;
  createdBy: string | null;
  createdAt: Date;
}

export interface JobRunLog {
  id: number;
  runId: string;
  at: Date;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data: Record<string, unknown> | null;
}

export interface WorkerRecord {
  id: string;
  role: string;
  hostname: string;
  pid: number;
  version: string;
  concurrency: number;
  startedAt: Date;
  heartbeatAt: Date;
  stoppedAt: Date | null;
}
