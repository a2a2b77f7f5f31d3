/**
 * The composition root: builds the registry, the database, the services and the loops of one
 * Hourglass instance, and orders start and stop.
 *
 * Start: open the database (guarding an embedded data directory against a second process),
 * migrate, listen for notifications (with a worker or scheduler role), sync code-defined
 * schedules, register this process, then start the heartbeat, the worker and the scheduler
 * (each if its role is enabled).
 * Stop, in reverse: scheduler (no new runs), worker (drain, hand back), heartbeat, then mark
 * this process stopped and close the database. Services work without `start()`: the first
 * call opens and migrates the database, and no loop runs.
 */
import { hostname } from 'node:os';
import { resolveConfig } from './config/load.js';
import type { HourglassConfigInput, ResolvedConfig } from './config/schema.js';
import type { Database } from './db/database.js';
import { migrate } from './db/migrate.js';
import { createSchemaName } from './db/schema-name.js';
import { markWorkerStopped, registerWorker } from './db/queries/workers.js';
import { createEventBus, type HourglassEvents } from './events.js';
import { createLogger, type Logger } from './logger.js';
import { acquireDataDirLock, type DataDirLock } from './db/data-dir-lock.js';
import { createRegistry, type Registry } from './registry/registry.js';
import { httpJob } from './registry/builtin/http.js';
import { commandJob } from './registry/builtin/command.js';
import { syncCodeSchedules } from './registry/sync-schedules.js';
import { Notification, type Runtime } from './runtime.js';
import { createScheduler, type Scheduler } from './scheduler/scheduler.js';
import { createNotifier, notifierWanted, type Notifier } from './notifications/notifier.js';
import { createPruner, type Pruner } from './retention/pruner.js';
import { tick, type TickOptions, type TickResult } from './scheduler/tick.js';
import { createScheduleService, type ScheduleService } from './services/schedules.js';
import { createRunService, type RunService } from './services/runs.js';
import { createTokenService, type TokenService } from './services/tokens.js';
import type { ApiServer } from './api/server.js';
import { systemClock, type Clock } from './util/clock.js';
import { newId } from './util/ids.js';
import { createWorker, type Worker } from './worker/worker.js';
import { createHeartbeat, type Heartbeat } from './worker/heartbeat.js';
import { recoverLeases } from './worker/recovery.js';
import { VERSION } from './version.js';
import { ErrorCode, HourglassError } from './errors.js';

/** Seams for tests and embedding applications; none is needed in normal use. */
export interface HourglassSeams {
  /** A database opened by the caller; it is not closed by `stop()`. */
  database?: Database;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
  /** Shown in the `workers` table (e.g. `scheduler`, `worker`, `all`). */
  role?: string;
}

export interface Hourglass extends HourglassEvents {
  readonly config: ResolvedConfig;
  readonly registry: Registry;
  readonly schedules: ScheduleService;
  readonly runs: RunService;
  readonly tokens: TokenService;
  /** The admin API's base URL while it serves (`api.enabled`), else null. */
  readonly apiUrl: string | null;
  /** Opens and migrates the database; called by everything that needs it. */
  ready(): Promise<Runtime>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One scheduler pass (for an external cron trigger, or tests with a controlled clock). */
  tick(options?: TickOptions): Promise<TickResult>;
  /** Recovers lapsed leases now (normally done by the heartbeat). */
  recoverLeases(): Promise<number>;
  /** This process's id in the `workers` table. */
  readonly workerId: string;
}

const MEMORY_DATA_DIR = 'memory://';

// Drivers are loaded on demand: a process uses one of them, never both (pg +15 MB RSS, PGlite +5 MB).
async function openDatabase(config: ResolvedConfig, logger: Logger): Promise<{ db: Database; lock: DataDirLock | null }> {
  if (config.databaseUrl) {
    const { createPostgresDatabase } = await import('./db/pg.js');
    const db = await createPostgresDatabase({
      connectionString: config.databaseUrl,
      maxConnections: Math.max(4, config.worker.concurrency + 3),
      onListenerStateChange: (state, error) =>
        state === 'lost'
          ? logger.warn({ err: error instanceof Error ? error.message : undefined }, 'lost the LISTEN connection; polling until it is back')
          : logger.info('LISTEN connection restored'),
    });
    return { db, lock: null };
  }
  const { createPgliteDatabase } = await import('./db/pglite.js');
  if (config.dataDir === MEMORY_DATA_DIR) return { db: await createPgliteDatabase(), lock: null };
  const lock = acquireDataDirLock(config.dataDir, { port: config.port });
  try {
    return { db: await createPgliteDatabase({ dataDir: config.dataDir }), lock };
  } catch (error) {
    lock.release();
    throw error;
  }
}

function isResolved(config: HourglassConfigInput | ResolvedConfig): config is ResolvedConfig {
  return Object.isFrozen(config) && typeof (config as ResolvedConfig).worker?.heartbeatMs === 'number';
}

export function createHourglass(configInput: HourglassConfigInput | ResolvedConfig, seams: HourglassSeams = {}): Hourglass {
  const config = isResolved(configInput) ? configInput : resolveConfig(configInput);
  const logger = seams.logger ?? createLogger({ level: config.logLevel });
  const builtins = [...(config.builtinJobs.http ? [httpJob] : []), ...(config.builtinJobs.command ? [commandJob] : [])];
  const registry = createRegistry(config.jobs, builtins);
  const events = createEventBus((event, error) => logger.error({ event, err: (error as Error)?.message }, 'event listener threw'));
  const schema = createSchemaName(config.schema);
  const workerId = newId();

  let runtime: Runtime | null = null;
  let opening: Promise<Runtime> | null = null;
  let lock: DataDirLock | null = null;
  let unlisten: (() => Promise<void>) | null = null;
  let scheduler: Scheduler | null = null;
  let notifier: Notifier | null = null;
  // Retention runs with the scheduler role (see retention/pruner.ts).
  let pruner: Pruner | null = null;
  let worker: Worker | null = null;
  let heartbeat: Heartbeat | null = null;
  let api: ApiServer | null = null;
  let started = false;

  function onNotification(payload: string): void {
    if (payload === Notification.runs) worker?.wake();
    else if (payload.startsWith(Notification.runsAtPrefix)) worker?.wakeAt(Number(payload.slice(Notification.runsAtPrefix.length)));
    else if (payload === Notification.schedules) scheduler?.wake();
    else if (payload.startsWith(Notification.cancelPrefix)) worker?.cancel(payload.slice(Notification.cancelPrefix.length));
  }

  async function open(): Promise<Runtime> {
    const opened = seams.database ? { db: seams.database, lock: null } : await openDatabase(config, logger);
    lock = opened.lock;
    try {
      const result = await migrate(opened.db, schema);
      if (result.applied.length > 0) logger.info({ schema: schema.name, applied: result.applied }, 'migrated database schema');
      // Only the loops need the schema's notifications: a process that just enqueues or serves the
      // API holds no LISTEN connection, and is not woken by every run another process starts or ends.
      if (config.worker.enabled || config.scheduler.enabled) unlisten = await opened.db.listen(schema.channel, onNotification);
    } catch (error) {
      if (!seams.database) await opened.db.close();
      lock?.release();
      throw error;
    }
    return {
      db: opened.db,
      schema,
      config,
      registry,
      clock: seams.clock ?? systemClock,
      events,
      logger,
      random: seams.random ?? Math.random,
      wakeWorker: () => worker?.wake(),
      localWorker: () => worker,
      wakeScheduler: () => scheduler?.wake(),
    };
  }

  function ready(): Promise<Runtime> {
    if (runtime) return Promise.resolve(runtime);
    opening ??= open().then(
      (opened) => (runtime = opened),
      (error) => {
        opening = null;
        throw error;
      },
    );
    return opening;
  }

  /** Service methods that open the database on first use. */
  function lazy<T extends object>(build: (rt: Runtime) => T): T {
    let built: T | null = null;
    return new Proxy({} as T, {
      get(_, property) {
        // Not a thenable, and no symbol methods: only the service's named methods exist here.
        if (typeof property !== 'string' || property === 'then') return undefined;
        return async (...args: unknown[]) => {
          built ??= build(await ready());
          return (built[property as keyof T] as (...a: unknown[]) => unknown)(...args);
        };
      },
    });
  }

  async function startApi(rt: Runtime): Promise<void> {
    // Loaded on demand: only a process with the API role needs fastify and prom-client (+25 MB RSS).
    const [{ createApiServer }, { createServices }] = await Promise.all([import('./api/server.js'), import('./services/index.js')]);
    const server = await createApiServer(rt, createServices(rt));
    try {
      await server.listen();
    } catch (error) {
      await server.close().catch(() => {});
      await hourglass.stop();
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      throw inUse ? new HourglassError(ErrorCode.invalidConfig, `port ${config.port} is already in use: stop what holds it or set HOURGLASS_PORT`, { field: 'port', cause: error }) : error;
    }
    api = server;
  }

  const hourglass: Hourglass = {
    config,
    registry,
    workerId,
    schedules: lazy(createScheduleService),
    runs: lazy(createRunService),
    tokens: lazy(createTokenService),
    get apiUrl() {
      return api?.url ?? null;
    },
    ready,
    on: events.on,
    once: events.once,
    off: events.off,

    async start() {
      if (started) return;
      const rt = await ready();
      const counts = await syncCodeSchedules(rt, config.schedules);
      if (config.schedules.length > 0) logger.info(counts, 'synced code-defined schedules');
      const roles = [...(config.scheduler.enabled ? ['scheduler'] : []), ...(config.worker.enabled ? ['worker'] : [])];
      await registerWorker(rt.db, schema, {
        id: workerId,
        role: seams.role ?? (roles.join('+') || 'idle'),
        hostname: hostname(),
        pid: process.pid,
        version: VERSION,
        concurrency: config.worker.enabled ? config.worker.concurrency : 0,
      });
      heartbeat = createHeartbeat(rt, workerId);
      heartbeat.start();
      if (config.worker.enabled) (worker = createWorker(rt, workerId)).start();
      if (config.scheduler.enabled) (scheduler = createScheduler(rt)).start();
      if (notifierWanted(rt)) (notifier = createNotifier(rt)).start();
      if (config.scheduler.enabled && config.retention.enabled) (pruner = createPruner(rt)).start();
      started = true;
      if (config.api.enabled) await startApi(rt);
      logger.info({ roles, schema: schema.name, backend: rt.db.kind, jobTypes: registry.list().length, workerId, api: api?.url }, 'hourglass started');
      events.emit('hourglass:started', { roles });
    },

    async stop() {
      // No run starts here from now on; the worker finishes what runs once the scheduler stopped.
      worker?.halt();
      await api?.close();
      api = null;
      await pruner?.stop();
      pruner = null;
      await notifier?.stop();
      notifier = null;
      await scheduler?.stop();
      await worker?.stop();
      await heartbeat?.stop();
      if (runtime && started) await markWorkerStopped(runtime.db, schema, workerId).catch(() => {});
      scheduler = null;
      worker = null;
      heartbeat = null;
      await unlisten?.().catch(() => {});
      unlisten = null;
      if (runtime && !seams.database) await runtime.db.close();
      lock?.release();
      lock = null;
      runtime = null;
      opening = null;
      if (started) {
        started = false;
        logger.info('hourglass stopped');
        events.emit('hourglass:stopped', {});
      }
    },

    async tick(options) {
      return tick(await ready(), options);
    },

    async recoverLeases() {
      return recoverLeases(await ready());
    },
  };
  return hourglass;
}
