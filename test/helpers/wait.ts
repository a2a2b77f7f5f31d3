/**
 * Waiting for conditions with a deadline instead of sleeping fixed amounts.
 */
import type { Hourglass } from '../../src/hourglass.js';
import type { HourglassEventMap, HourglassEventName } from '../../src/events.js';

/** Polls `check` until it returns a truthy value (returned) or the deadline passes (throws). */
export async function waitFor<T>(check: () => T | Promise<T>, options: { timeoutMs?: number; intervalMs?: number; message?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.message ?? 'condition'}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}

/** Resolves with the first event of `name` that matches `predicate`. */
export function waitForEvent<E extends HourglassEventName>(
  hourglass: Hourglass,
  name: E,
  predicate: (payload: HourglassEventMap[E]) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<HourglassEventMap[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for event ${name}`));
    }, timeoutMs);
    const off = hourglass.on(name, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Waits until the run reaches one of `statuses` and returns it. */
export async function waitForRunStatus(hourglass: Hourglass, runId: string, statuses: string[], timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const run = await hourglass.runs.get(runId);
      return statuses.includes(run.status) ? run : null;
    },
    { timeoutMs, message: `run ${runId} to become ${statuses.join(' or ')}` },
  );
}
