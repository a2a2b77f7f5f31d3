/**
 * `defineJob`, `defineSchedule` and `defineConfig`: typed identity helpers for code-defined
 * job types, schedules and configuration. They do no I/O and no validation; the registry
 * (`registry/registry.ts`) and the config loader check everything at start-up, so a
 * definition file can be imported anywhere without side effects.
 */
import type { ZodType } from 'zod';
import type { HourglassConfigInput } from './config/schema.js';

/** A duration: seconds as a number, or a string such as `'90s'`, `'15m'`, `'1h30m'`. */
export type Duration = number | string;

export interface RunLogger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** Numbers a handler records; stored in the run's `metrics` (per step for pipelines). */
export interface RunMetrics {
  /** Sets a metric to a value (numbers, strings or booleans). */
  set(name: string, value: number | string | boolean): void;
  /** Adds `by` (default 1) to a numeric metric. */
  increment(name: string, by?: number): void;
  /** Everything recorded so far. */
  snapshot(): Record<string, unknown>;
}

export interface JobContext<Payload = unknown> {
  /** The run's id: use it (with `attempt`) to make side effects idempotent. */
  runId: string;
  /** 1 for the first attempt; execution is at-least-once. */
  attempt: number;
  maxAttempts: number;
  jobType: string;
  payload: Payload;
  tenantId: string | null;
  scheduledJobId: string | null;
  batchId: string | null;
  /** The slot this run was fired for, or null for runs not fired by a slot. */
  scheduledFor: Date | null;
  /** Aborted on timeout, cancellation and shutdown; pass it to fetch, timers, queries. */
  signal: AbortSignal;
  /** Writes to the run's log (`job_run_logs`), visible in the API and console. */
  log: RunLogger;
  metrics: RunMetrics;
  /** For a step of a pipeline, the step's job type name. */
  step: string | null;
}

export interface JobDefinition<Payload = unknown> {
  /** Unique name of the job type, e.g. `scoring`. */
  name: string;
  description?: string;
  /** The group the job belongs to (a schedule may target a whole group). */
  group?: string;
  /** Job types that must complete first when both run in the same batch. */
  dependsOn?: readonly string[];
  /** Aborts the handler's signal and fails the attempt after this long. @default none */
  timeout?: Duration;
  /** Attempts before the run fails for good. @default 3 */
  maxAttempts?: number;
  /** Runs of this job type allowed at once across the whole cluster. @default unlimited */
  concurrency?: number;
  /** Claim priority of new runs (higher first). @default 0 */
  priority?: number;
  /** Validates (and types) the payload before the handler sees it. */
  payload?: ZodType<Payload>;
  /** The handler. Its return value is stored as the run's `result`. */
  run?: (ctx: JobContext<Payload>) => unknown | Promise<unknown>;
  /** A pipeline: these job types run in order inside one run, each with its own metrics. */
  steps?: readonly string[];
}

/** What a schedule fires (SPEC §5). */
export type ScheduleTarget =
  | { job: string }
  | { group: string }
  | { all: true }
  | { jobs: readonly string[] };

export interface ScheduleDefinition {
  /** Stable id of the code-defined schedule, e.g. `daily-full-sync`. */
  key: string;
  name: string;
  description?: string;
  target: ScheduleTarget;
  /** Exactly one of `cron`, `every` and `at`. */
  cron?: string;
  /** Interval between slots. */
  every?: Duration;
  /** A single slot (ISO instant). */
  at?: string | Date;
  /** IANA zone of the cron expression. @default 'UTC' */
  timezone?: string;
  /** Code-defined schedules are created `inactive` unless this is true. @default false */
  enabled?: boolean;
  tenantId?: string;
  payload?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  /** @default 'skip' */
  missedRunPolicy?: 'skip' | 'run_once' | 'catch_up';
  /** How far back `run_once` and `catch_up` look. @default '1d' */
  catchUpWindow?: Duration;
  /** @default 'skip' */
  overlapPolicy?: 'allow' | 'skip' | 'queue' | 'replace';
  /** @default 'shift' */
  dstGap?: 'shift' | 'skip';
  /** @default 'first' */
  dstOverlap?: 'first' | 'last' | 'both';
  exclusions?: readonly unknown[];
  pauseAfterFailures?: number;
  maxAttempts?: number;
  timeout?: Duration;
  priority?: number;
  jitter?: Duration;
}

export function defineJob<Payload = Record<string, unknown>>(definition: JobDefinition<Payload>): JobDefinition<Payload> {
  return definition;
}

export function defineSchedule(definition: ScheduleDefinition): ScheduleDefinition {
  return definition;
}

export function defineConfig(config: HourglassConfigInput): HourglassConfigInput {
  return config;
}
