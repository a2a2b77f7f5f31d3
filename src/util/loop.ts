/**
 * The shell of a periodic background loop (STYLE: a long-lived shell, one pass, pure
 * decisions): run the pass, sleep as long as it asks (or until `wake()`), repeat.
 *
 * States: passing → sleeping → passing …; on a database error, backing off: the error is
 * logged once per outage with its remedy ("<name> pass failed"), the loop retries with
 * jittered exponential backoff and logs "database reachable again; <name> resumed" when a pass
 * succeeds again. It never exits over an error. `stop()` wakes it and waits for the pass in
 * progress.
 */
import { describeDatabaseError } from '../db/retryable.js';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { computeBackoffMs } from './backoff.js';
import { createWakeSignal } from './wake-signal.js';

export interface Loop {
  start(): void;
  stop(): Promise<void>;
  wake(): void;
}

export interface LoopOptions {
  /** In the log lines (`loop: name`). */
  name: string;
  /** One pass; resolves to how long to sleep before the next (ms). `stopping` aborts at `stop()`. */
  pass: (stopping: AbortSignal) => Promise<number>;
  backoff: { baseMs: number; maxMs: number };
}

export function createLoop(runtime: { logger: Logger; random(): number }, options: LoopOptions): Loop {
  const wake = createWakeSignal();
  const { name } = options;
  let running = false;
  let loop: Promise<void> | null = null;
  let stopping = new AbortController();
  let failures = 0;

  async function runLoop(): Promise<void> {
    while (running) {
      try {
        const sleepMs = await options.pass(stopping.signal);
        if (failures > 0) runtime.logger.info({ loop: name, failures }, `database reachable again; ${name} resumed`);
        failures = 0;
        if (running) await wake.wait(sleepMs);
      } catch (thrown) {
        failures += 1;
        if (failures === 1) runtime.logger.error({ loop: name, err: coerceError(thrown).message, remedy: describeDatabaseError(thrown) }, `${name} pass failed`);
        if (running) await wake.wait(computeBackoffMs(failures, options.backoff, runtime.random));
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      stopping = new AbortController();
      loop = runLoop();
    },
    async stop() {
      running = false;
      stopping.abort();
      wake.wake();
      await loop;
      loop = null;
    },
    wake: () => wake.wake(),
  };
}
