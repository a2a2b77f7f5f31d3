/**
 * Prometheus metrics for `GET /metrics`: the text a scrape returns, never the HTTP around it
 * (`server.ts` owns that).
 *
 * Two sources, kept apart the way the events module says they must be:
 * - the database, read at scrape time, for the state of the whole cluster: pending and running
 *   runs, the ready queue, live workers, schedules and late schedules
 *   (`db/queries/metrics.ts`, one cheap statement);
 * - this process's events, for what it did since it started: finished runs, durations,
 *   lateness at start, scheduler ticks and slots. Counters of other processes are theirs to
 *   report.
 *
 * Every instance has registries of its own (several Hourglass instances may share a process,
 * tests among them), so nothing lands in prom-client's global registry. The default process
 * metrics are the exception that proves the rule: their GC observer and event-loop monitor
 * cannot be stopped, so one shared registry holds them for the whole process instead of one
 * unstoppable pair per instance.
 *
 * The database gauges are set from one snapshot per scrape rather than by a `collect()` per
 * gauge, so a failed read drops all of them together: the scrape still answers with the
 * event metrics and `hourglass_metrics_scrape_error 1` instead of failing or showing stale
 * values. Concurrent scrapes share one read.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { readMetricsSnapshot, type MetricsSnapshot } from '../db/queries/metrics.js';
import { describeDatabaseError } from '../db/retryable.js';
import { coerceError } from '../errors.js';
import { ScheduleStatus } from '../model.js';
import type { Runtime } from '../runtime.js';

export interface Metrics {
  /** The `Content-Type` of `render()`'s text. */
  readonly contentType: string;
  /** The exposition text; never rejects over a database error. */
  render(): Promise<string>;
  /** Stops listening to this process's events. */
  stop(): void;
}

const prefix = 'hourglass_';

/** A heartbeat this many intervals old means the process is gone. */
const LIVE_HEARTBEATS = 3;

const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const LATENESS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const TICK_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const FINISHED_STATUSES = ['completed', 'failed', 'retried', 'cancelled'] as const;
const SLOT_OUTCOMES = ['fired', 'skipped', 'missed', 'suppressed'] as const;

let processRegistry: Registry | null = null;

/** The process-wide default metrics (CPU, memory, event loop, GC), registered once. */
function readProcessRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix });
  }
  return processRegistry;
}

export function createMetrics(runtime: Runtime): Metrics {
  const eventRegistry = new Registry();
  const stateRegistry = new Registry();
  const jobTypes = runtime.registry.list().map((jobType) => jobType.name);
  const unsubscribers = [...observeRuns(runtime, eventRegistry, jobTypes), ...observeScheduler(runtime, eventRegistry)];
  const applySnapshot = createStateGauges(stateRegistry, jobTypes);
  const scrapeError = new Gauge({
    name: `${prefix}metrics_scrape_error`,
    help: '1 when the last scrape could not read the database (cluster gauges are then left out), else 0',
    registers: [eventRegistry],
  });
  let failing = false;
  let inflight: Promise<string> | null = null;

  async function readState(): Promise<string | null> {
    try {
      const snapshot = await readMetricsSnapshot(runtime.db, runtime.schema, {
        now: runtime.clock.databaseNow?.() ?? null,
        liveWindowMs: LIVE_HEARTBEATS * runtime.config.worker.heartbeatMs,
        lateToleranceMs: runtime.config.scheduler.lateToleranceMs,
      });
      applySnapshot(snapshot);
      if (failing) runtime.logger.info('metrics can read the database again');
      failing = false;
      return await stateRegistry.metrics();
    } catch (error) {
      if (!failing) {
        runtime.logger.warn({ err: coerceError(error).message, remedy: describeDatabaseError(error) }, 'metrics scrape could not read the database');
      }
      failing = true;
      return null;
    }
  }

  async function scrape(): Promise<string> {
    const state = await readState();
    scrapeError.set(state === null ? 1 : 0);
    const parts = [state, await eventRegistry.metrics(), await readProcessRegistry().metrics()];
    return parts.filter((part): part is string => part !== null).join('\n');
  }

  return {
    contentType: Registry.PROMETHEUS_CONTENT_TYPE,
    render() {
      inflight ??= scrape().finally(() => (inflight = null));
      return inflight;
    },
    stop() {
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
    },
  };
}

/** The cluster gauges; the returned function sets them all from one snapshot. */
function createStateGauges(registry: Registry, jobTypes: readonly string[]): (snapshot: MetricsSnapshot) => void {
  const registers = [registry];
  const runs = new Gauge({ name: `${prefix}runs`, help: 'Pending and running runs in the database now', labelNames: ['status', 'job_type'], registers });
  const queueDepth = new Gauge({ name: `${prefix}queue_depth`, help: 'Pending runs whose run_after has passed (ready to be claimed)', registers });
  const queueOldest = new Gauge({
    name: `${prefix}queue_oldest_seconds`,
    help: 'Seconds since the oldest ready pending run became ready (0 when none is waiting)',
    registers,
  });
  const workersLive = new Gauge({
    name: `${prefix}workers_live`,
    help: `Hourglass processes not stopped whose heartbeat is at most ${LIVE_HEARTBEATS} heartbeat intervals old`,
    labelNames: ['role'],
    registers,
  });
  const schedules = new Gauge({ name: `${prefix}schedules`, help: 'Scheduled jobs by status', labelNames: ['status'], registers });
  const schedulesLate = new Gauge({
    name: `${prefix}schedules_late`,
    help: 'Active schedules whose next slot is older than the scheduler late tolerance',
    registers,
  });

  return (snapshot) => {
    // Reset, then zero every known series, so series that emptied read 0 and vanished ones go.
    runs.reset();
    for (const jobType of jobTypes) for (const status of ['pending', 'running']) runs.set({ status, job_type: jobType }, 0);
    for (const row of snapshot.runs) runs.set({ status: row.status, job_type: row.jobType }, row.count);
    queueDepth.set(snapshot.queueDepth);
    queueOldest.set(snapshot.queueOldestSeconds);
    workersLive.reset();
    for (const row of snapshot.workersLive) workersLive.set({ role: row.role }, row.count);
    schedules.reset();
    for (const status of Object.values(ScheduleStatus)) schedules.set({ status }, 0);
    for (const row of snapshot.schedules) schedules.set({ status: row.status }, row.count);
    schedulesLate.set(snapshot.schedulesLate);
  };
}

/** Runs this process's worker finished, their durations, and how late slot-fired runs started. */
function observeRuns(runtime: Runtime, registry: Registry, jobTypes: readonly string[]): Array<() => void> {
  const registers = [registry];
  const finished = new Counter({
    name: `${prefix}runs_finished_total`,
    help: 'Run attempts this process finished, by outcome (retried: failed with another attempt to follow)',
    labelNames: ['status', 'job_type'],
    registers,
  });
  const duration = new Histogram({
    name: `${prefix}run_duration_seconds`,
    help: 'Duration of the run attempts this process finished, by outcome',
    labelNames: ['job_type', 'status'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const lateness = new Histogram({
    name: `${prefix}run_lateness_seconds`,
    help: 'Seconds from the slot of a slot-fired run to the start of its first attempt in this process',
    labelNames: ['job_type'],
    buckets: LATENESS_BUCKETS,
    registers,
  });
  for (const jobType of jobTypes) for (const status of FINISHED_STATUSES) finished.inc({ status, job_type: jobType }, 0);

  function record(jobType: string, status: (typeof FINISHED_STATUSES)[number], durationMs: number | null): void {
    finished.inc({ status, job_type: jobType });
    if (durationMs !== null) duration.observe({ job_type: jobType, status }, durationMs / 1000);
  }

  return [
    runtime.events.on('run:completed', ({ run, durationMs }) => record(run.jobType, 'completed', durationMs)),
    runtime.events.on('run:failed', ({ run, durationMs, willRetry }) => record(run.jobType, willRetry ? 'retried' : 'failed', durationMs)),
    // A cancelled attempt reports no duration.
    runtime.events.on('run:cancelled', ({ run }) => record(run.jobType, 'cancelled', null)),
    runtime.events.on('run:claimed', ({ run }) => {
      // Later attempts start after a retry backoff or a lapsed lease: not scheduling lateness.
      if (run.scheduledFor === null || run.attempt > 1) return;
      const startedAt = run.startedAt ?? runtime.clock.now();
      lateness.observe({ job_type: run.jobType }, Math.max(0, startedAt.getTime() - run.scheduledFor.getTime()) / 1000);
    }),
  ];
}

/** This process's scheduler ticks and what their slots came to. */
function observeScheduler(runtime: Runtime, registry: Registry): Array<() => void> {
  const registers = [registry];
  const tickDuration = new Histogram({
    name: `${prefix}scheduler_tick_duration_seconds`,
    help: 'Duration of the scheduler ticks this process committed',
    buckets: TICK_BUCKETS,
    registers,
  });
  const slots = new Counter({
    name: `${prefix}scheduler_slots_total`,
    help: 'Outcomes of the ticks of this process: runs fired, and slots skipped (overlap), missed or suppressed',
    labelNames: ['outcome'],
    registers,
  });
  for (const outcome of SLOT_OUTCOMES) slots.inc({ outcome }, 0);

  return [
    runtime.events.on('scheduler:tick:completed', (tick) => {
      tickDuration.observe(tick.durationMs / 1000);
      slots.inc({ outcome: 'fired' }, tick.runs);
      slots.inc({ outcome: 'skipped' }, tick.skipped);
      slots.inc({ outcome: 'missed' }, tick.missed);
      slots.inc({ outcome: 'suppressed' }, tick.suppressed);
    }),
  ];
}
