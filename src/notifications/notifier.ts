/**
 * The notifier loop (shell): every `notifications.pollMs`, one detection pass then delivery
 * passes until nothing is due. It runs beside the worker, never in its path. A database error
 * is logged once per outage with its remedy and the loop backs off; it never exits over one.
 */
import type { Runtime } from '../runtime.js';
import { describeDatabaseError } from '../db/retryable.js';
import { computeBackoffMs } from '../util/backoff.js';
import { createWakeSignal } from '../util/wake-signal.js';
import { coerceError } from '../errors.js';
import { deliverPass, detectPass } from './passes.js';

export interface Notifier {
  start(): void;
  stop(): Promise<void>;
  wake(): void;
}

const DELIVER_BATCH = 20;

export function createNotifier(runtime: Runtime): Notifier {
  const wake = createWakeSignal();
  let running = false;
  let loop: Promise<void> | null = null;
  let failures = 0;

  async function runLoop(): Promise<void> {
    while (running) {
      try {
        await detectPass(runtime);
        while (running && (await deliverPass(runtime, DELIVER_BATCH)).claimed === DELIVER_BATCH);
        if (failures > 0) runtime.logger.info({ loop: 'notifier', failures }, 'database reachable again; notifier resumed');
        failures = 0;
        if (running) await wake.wait(runtime.config.notifications.pollMs);
      } catch (thrown) {
        failures += 1;
        if (failures === 1) runtime.logger.error({ loop: 'notifier', err: coerceError(thrown).message, remedy: describeDatabaseError(thrown) }, 'notifier pass failed');
        if (running) await wake.wait(computeBackoffMs(failures, { baseMs: 250, maxMs: 30_000 }, runtime.random));
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = runLoop();
    },
    async stop() {
      running = false;
      wake.wake();
      await loop;
      loop = null;
    },
    wake: () => wake.wake(),
  };
}

/** Whether this process should run the notifier. */
export function notifierWanted(runtime: Pick<Runtime, 'config'>): boolean {
  const config = runtime.config.notifications;
  return config.enabled && config.rules.length > 0;
}
