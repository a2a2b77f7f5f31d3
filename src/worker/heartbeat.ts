/**
 * The process heartbeat, in every Hourglass process whatever its role: keeps this process's
 * `workers` row fresh and recovers runs whose lease lapsed anywhere in the cluster. Errors are
 * logged once per outage and retried on the next beat; the process never exits over them.
 */
import { touchWorker } from '../db/queries/workers.js';
import { describeDatabaseError } from '../db/retryable.js';
import { coerceError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { recoverLeases } from './recovery.js';

export interface Heartbeat {
  start(): void;
  stop(): Promise<void>;
  /** One beat now (tests, `hourglass tick`). */
  beat(): Promise<void>;
}

export function createHeartbeat(runtime: Runtime, workerId: string): Heartbeat {
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> | null = null;
  let failing = false;

  async function beat(): Promise<void> {
    try {
      await touchWorker(runtime.db, runtime.schema, workerId);
      await recoverLeases(runtime);
      if (failing) runtime.logger.info({ loop: 'heartbeat' }, 'heartbeat restored');
      failing = false;
    } catch (error) {
      if (!failing) runtime.logger.warn({ loop: 'heartbeat', err: coerceError(error).message, remedy: describeDatabaseError(error) }, 'heartbeat failed');
      failing = true;
    }
  }

  return {
    start() {
      if (timer) return;
      timer = setInterval(() => {
        current ??= beat().finally(() => (current = null));
      }, runtime.config.worker.heartbeatMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await current;
    },
    beat,
  };
}
