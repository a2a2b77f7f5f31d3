/**
 * What an operator asks first: are schedulers and workers alive, is anything late, how much
 * is waiting. Workers are listed for every actor (they carry no tenant data); the counts are
 * scoped to a tenant-bound actor's tenant.
 */
import { readDatabaseNow } from '../db/queries/database-now.js';
import { readSchedulerCounts, type SchedulerCounts } from '../db/queries/scheduler-status.js';
import { listWorkers } from '../db/queries/workers.js';
import type { WorkerRecord } from '../model.js';
import type { Runtime } from '../runtime.js';
import { libraryActor, type Actor } from './actor.js';

export interface SchedulerStatus {
  now: Date;
  /** A process is alive when its heartbeat is at most this old. */
  staleAfterMs: number;
  workers: WorkerRecord[];
  counts: SchedulerCounts;
}

export function createSchedulerStatusService(runtime: Runtime) {
  return {
    async status(options: { includeStopped?: boolean } = {}, actor: Actor = libraryActor): Promise<SchedulerStatus> {
      const { db, schema, config } = runtime;
      const now = await readDatabaseNow(db, runtime.clock);
      const [workers, counts] = await Promise.all([
        listWorkers(db, schema, options.includeStopped ?? false),
        readSchedulerCounts(db, schema, { now, lateToleranceMs: config.scheduler.lateToleranceMs, tenantId: actor.tenantId }),
      ]);
      return { now, staleAfterMs: 3 * config.worker.heartbeatMs, workers, counts };
    },
  };
}

export type SchedulerStatusService = ReturnType<typeof createSchedulerStatusService>;
