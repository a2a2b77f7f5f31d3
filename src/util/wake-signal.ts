/**
 * A resettable wake-up for long-lived loops: `wait(ms)` resolves after `ms` or as soon as
 * `wake()` is called, whichever comes first. A wake that arrives while the loop is busy is
 * remembered, so the next wait returns at once and no notification is lost between passes.
 */
export interface WakeSignal {
  wake(): void;
  wait(ms: number): Promise<void>;
}

export function createWakeSignal(): WakeSignal {
  let pending = false;
  let release: (() => void) | null = null;
  return {
    wake() {
      if (release) {
        const resolve = release;
        release = null;
        resolve();
      } else {
        pending = true;
      }
    },
    wait(ms) {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, Math.max(0, ms));
        function done() {
          clearTimeout(timer);
          if (release === done) release = null;
          resolve();
        }
        release = done;
      });
    },
  };
}
