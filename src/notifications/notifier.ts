/**
 * The notifier loop (shell): every `notifications.pollMs`, one detection pass then delivery
 * passes until nothing is due. It runs beside the worker, never in its path. A database error
 * is logged once per outage with its remedy and the loop backs off; it never exits over one.
 */
import type { Runtime } from '../runtime.js';
import { createLoop, type Loop } from '../util/loop.js';
import { deliverPass, detectPass } from './passes.js';

export type Notifier = Loop;

const DELIVER_BATCH = 20;

export function createNotifier(runtime: Runtime): Notifier {
  return createLoop(runtime, {
    name: 'notifier',
    backoff: { baseMs: 250, maxMs: 30_000 },
    async pass(stopping) {
      await detectPass(runtime);
      // Deliver until a batch comes back short (nothing more is due) or the process stops.
      while (!stopping.aborted && (await deliverPass(runtime, DELIVER_BATCH)).claimed === DELIVER_BATCH);
      return runtime.config.notifications.pollMs;
    },
  });
}

/** Whether this process should run the notifier. */
export function notifierWanted(runtime: Pick<Runtime, 'config'>): boolean {
  const config = runtime.config.notifications;
  return config.enabled && config.rules.length > 0;
}
