/**
 * Every configuration option, its default and a one-line description: the single source for
 * defaults and for `docs/config.md`. `load.ts` merges file → environment → explicit options,
 * validates against this schema and freezes the result.
 */
import { z } from 'zod';
import type { JobDefinition, ScheduleDefinition } from '../define.js';
import { NOTIFICATIONS_DEFAULTS, notificationsConfigSchema } from './notifications-schema.js';

const positiveInt = z.number().int().positive();

export const schedulerConfigSchema = z.strictObject({
  /** Runs the scheduler loop in this process (roles: `start`, `scheduler`). @default true */
  enabled: z.boolean().default(true).describe('Run the scheduler loop in this process'),
  /** Longest sleep between ticks; the scheduler wakes sooner for due slots and changes. @default 1000 */
  pollMs: positiveInt.default(1000).describe('Longest sleep between scheduler ticks (ms); env JOB_SCHEDULER_POLL_MS'),
  /** Schedules fired per transaction. @default 500 */
  batchSize: positiveInt.default(500).describe('Due schedules fired per transaction; env JOB_SCHEDULER_BATCH'),
  /** Slots at most this late still fire normally; older ones are missed (missed-run policy). @default 60000 */
  lateToleranceMs: z.number().int().min(0).default(60_000).describe('Slots at most this late (ms) fire normally; older ones count as missed'),
  /** Most slots one `catch_up` firing creates. @default 100 */
  maxCatchUp: positiveInt.default(100).describe('Most missed slots a catch_up schedule fires at once'),
  /**
   * With a worker in the same process, fire a slot this long before it and start its handlers
   * at the slot, without a database round trip between; 0 fires at the slot. @default 25
   */
  fireAheadMs: z.number().int().min(0).max(1000).default(25).describe('Fire a slot this long (ms) before it when this process runs its handlers; 0 fires at the slot'),
});

export const workerConfigSchema = z.strictObject({
  /** Runs the worker loop in this process (roles: `start`, `worker`). @default true */
  enabled: z.boolean().default(true).describe('Run the worker loop in this process'),
  /** Runs executed at once by this process. @default 10 (4 on PGlite) */
  concurrency: positiveInt.optional().describe('Runs executed at once by this process (default 10; 4 on PGlite); env HOURGLASS_CONCURRENCY'),
  /** Longest sleep of an idle worker; new runs wake it at once. @default 1000 */
  pollMs: positiveInt.default(1000).describe('Longest sleep of an idle worker (ms); env JOB_WORKER_POLL_MS'),
  /** Most runs claimed per query. @default 10 */
  batchSize: positiveInt.default(10).describe('Most runs claimed per query; env JOB_WORKER_BATCH'),
  /**
   * Runs claimed ahead of free capacity and held ready in this process, so a slot that frees
   * starts the next run without a round trip. Worth it for short handlers only: a run held here
   * cannot be taken by an idle worker elsewhere. @default 0
   */
  prefetch: z.number().int().min(0).max(10_000).default(0).describe('Runs claimed ahead of free capacity (short handlers only)'),
  /** How long a claimed run stays leased without a heartbeat. @default 30000 */
  leaseMs: z.number().int().min(1000).default(30_000).describe('Lease of a running run without heartbeat (ms)'),
  /** How often leases are renewed and lapsed leases recovered. @default leaseMs / 3 */
  heartbeatMs: positiveInt.optional().describe('Lease renewal and recovery interval (ms; default leaseMs / 3)'),
  /** How long shutdown waits for running handlers before handing their runs back. @default 10000 */
  shutdownGraceMs: z.number().int().min(0).default(10_000).describe('Wait for running handlers on shutdown (ms)'),
  /** First retry delay; doubles per attempt with jitter. @default 1000 */
  retryBaseMs: positiveInt.default(1000).describe('First retry delay (ms), doubled per attempt with jitter'),
  /** Longest retry delay. @default 3600000 */
  retryMaxMs: positiveInt.default(3_600_000).describe('Longest retry delay (ms)'),
  /** Runs of one tenant allowed at once across the cluster. @default unlimited */
  tenantConcurrency: positiveInt.optional().describe('Runs of one tenant at once across the cluster'),
});

export const builtinJobsSchema = z.strictObject({
  /** The `http` job type (request to a URL, 2xx = done). @default true */
  http: z.boolean().default(true).describe('Register the built-in http job type'),
  /** The `command` job type (argv, output to the run log). Off: it runs programs. @default false */
  command: z.boolean().default(false).describe('Register the built-in command job type'),
});

export const apiConfigSchema = z.strictObject({
  /** Serves the admin REST API and the console (on for `hourglass start` and `hourglass api`). @default false */
  enabled: z.boolean().default(false).describe('Serve the REST API and console in this process (on for the start and api commands)'),
  /** Interface the API listens on. @default '0.0.0.0' */
  host: z.string().min(1).default('0.0.0.0').describe('Interface the API listens on'),
  /** The URL people reach the console at (links in messages). @default http://localhost:<port> */
  publicUrl: z.url().optional().describe('URL of the console as people reach it (default http://localhost:PORT)'),
  /** Largest request body. @default 1048576 */
  bodyLimitBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024).describe('Largest request body (bytes); larger gets 413'),
  /** Changes (non-GET requests) one token may make per window. @default 600 */
  rateLimitMax: positiveInt.default(600).describe('Changes one token may make per rate-limit window; more get 429'),
  /** The rate-limit window. @default 60000 */
  rateLimitWindowMs: positiveInt.default(60_000).describe('Rate-limit window (ms)'),
  /** Comment lines sent on idle event streams so proxies keep them open. @default 15000 */
  sseHeartbeatMs: positiveInt.default(15_000).describe('Heartbeat interval of GET /events (ms)'),
});

export const retentionConfigSchema = z.strictObject({
  /** Prune finished runs in this process (one process prunes at a time). @default true */
  enabled: z.boolean().default(true).describe('Prune old runs in this process (one process at a time across the cluster)'),
  /** Completed, cancelled and skipped runs older than this are deleted. @default 30 */
  completedDays: positiveInt.default(30).describe('Days completed, cancelled and skipped runs are kept'),
  /** Failed runs older than this are deleted (kept longer: they are what people look into). @default 90 */
  failedDays: positiveInt.default(90).describe('Days failed runs are kept'),
  /** The newest finished runs of each schedule are kept whatever their age. @default 100 */
  keepPerSchedule: z.number().int().min(0).default(100).describe('Newest finished runs kept per schedule, whatever their age'),
  /** How often the pruner runs. @default 600000 */
  intervalMs: positiveInt.default(600_000).describe('How often the pruner runs (ms)'),
  /** Runs deleted per statement: small, so no statement holds locks for long. @default 500 */
  batchSize: positiveInt.default(500).describe('Runs deleted per statement'),
});

export const configSchema = z.strictObject({
  /** PostgreSQL connection string; absent = embedded PGlite in `dataDir`. */
  databaseUrl: z.string().min(1).optional().describe('PostgreSQL URL; absent = embedded PGlite; env DATABASE_URL'),
  /** Where embedded PGlite keeps its files. @default './.hourglass' */
  dataDir: z.string().min(1).default('./.hourglass').describe('Data directory of the embedded database'),
  /** Schema holding every Hourglass table. @default 'hourglass' */
  schema: z.string().default('hourglass').describe('Database schema; env HOURGLASS_SCHEMA'),
  /** HTTP port of the API and console. @default 8080 */
  port: z.number().int().min(0).max(65535).default(8080).describe('HTTP port; env HOURGLASS_PORT'),
  /** pino level. @default 'info' */
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('Log level; env LOG_LEVEL'),
  /** Job types registered in code. */
  jobs: z.array(z.custom<JobDefinition<any>>((value) => typeof value === 'object' && value !== null)).default([]).describe('Job types registered in code (defineJob)'),
  /** Schedules defined in code, synced at start-up. */
  schedules: z.array(z.custom<ScheduleDefinition>((value) => typeof value === 'object' && value !== null)).default([]).describe('Schedules defined in code (defineSchedule), synced at start-up'),
  api: apiConfigSchema.default({ enabled: false, host: '0.0.0.0', bodyLimitBytes: 1024 * 1024, rateLimitMax: 600, rateLimitWindowMs: 60_000, sseHeartbeatMs: 15_000 }),
  builtinJobs: builtinJobsSchema.default({ http: true, command: false }),
  notifications: notificationsConfigSchema.default(NOTIFICATIONS_DEFAULTS),
  retention: retentionConfigSchema.default({ enabled: true, completedDays: 30, failedDays: 90, keepPerSchedule: 100, intervalMs: 600_000, batchSize: 500 }),
  scheduler: schedulerConfigSchema.default({ enabled: true, pollMs: 1000, batchSize: 500, lateToleranceMs: 60_000, maxCatchUp: 100, fireAheadMs: 25 }),
  worker: workerConfigSchema.default({
    enabled: true,
    pollMs: 1000,
    batchSize: 10,
    prefetch: 0,
    leaseMs: 30_000,
    shutdownGraceMs: 10_000,
    retryBaseMs: 1000,
    retryMaxMs: 3_600_000,
  }),
});

/** What users write (defaults optional). */
export type HourglassConfigInput = z.input<typeof configSchema>;
/** Parsed config before backend-derived defaults. */
type ParsedConfig = z.output<typeof configSchema>;

/** The resolved, frozen configuration every component receives. */
export interface ResolvedConfig extends Omit<ParsedConfig, 'worker'> {
  worker: ParsedConfig['worker'] & { concurrency: number; heartbeatMs: number };
}
