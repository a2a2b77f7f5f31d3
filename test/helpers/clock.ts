/**
 * A controlled clock: the database clock seam of Hourglass (`databaseNow`) reads this
 * instant, which tests move forward explicitly.
 */
import type { Clock } from '../../src/util/clock.js';

export interface TestClock extends Clock {
  set(instant: Date | string): void;
  advance(ms: number): Date;
  current(): Date;
}

export function createTestClock(start: Date | string): TestClock {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    databaseNow: () => new Date(current),
    set(instant) {
      current = new Date(instant);
    },
    advance(ms) {
      current = new Date(current.getTime() + ms);
      return new Date(current);
    },
    current: () => new Date(current),
  };
}
