/**
 * A resettable wake-up for long-lived loops: `wait(ms)` resolves after `ms` or as soon as
 * `wake()` is called, whichever comes first. A wake that arrives while the loop is busy is
 * remembered, so the next wait returns at once and no notification is lost between passes.
 *
 * Timers fire on the event loop's millisecond clock, typically 1–2 ms after the time asked for.
 * A `precise` wait (the scheduler's wake-up at a slot) ends a timer `PRECISE_TAIL_MS` early and
 * spends the rest yielding to the event loop (`setImmediate`) until the monotonic clock reaches
 * its end: within about 0.1 ms, for at most that much CPU.
 */
export interface WakeSignal {
  wake(): void;
  /** Resolves true when woken, false when the time ran out. */
  wait(ms: number, options?: { precise?: boolean }): Promise<boolean>;
}

const PRECISE_TAIL_MS = 2;

export function createWakeSignal(): WakeSignal {
  let pending = false;
  let release: ((woken: boolean) => void) | null = null;
  return {
    wake() {
      if (release) {
        const resolve = release;
        release = null;
        resolve(true);
      } else {
        pending = true;
      }
    },
    wait(ms, { precise = false } = {}) {
      if (pending) {
        pending = false;
        return Promise.resolve(true);
      }
      return new Promise((resolve) => {
        const end = performance.now() + ms;
        let immediate: NodeJS.Immediate | null = null;
        const timer = setTimeout(precise ? finish : () => done(false), Math.max(0, precise ? ms - PRECISE_TAIL_MS : ms));
        function finish() {
          if (performance.now() >= end) done(false);
          else immediate = setImmediate(finish);
        }
        function done(woken: boolean) {
          clearTimeout(timer);
          if (immediate) clearImmediate(immediate);
          if (release === done) release = null;
          resolve(woken);
        }
        release = done;
      });
    },
  };
}
