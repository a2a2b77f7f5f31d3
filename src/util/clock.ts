/**
 * The clock seam. What is due is decided by the database clock (`now()`), which every
 * process shares, so a skewed machine clock never makes a slot fire early or twice. The
 * process clock only paces timers.
 *
 * Tests control time by giving `databaseNow`: every time-sensitive statement then uses that
 * instant instead of `now()`.
 */
export interface Clock {
  /** The process's wall clock (timers, log stamps). */
  now(): Date;
  /** Overrides the database clock; absent or null means the database's own `now()`. */
  databaseNow?(): Date | null;
}

export const systemClock: Clock = { now: () => new Date() };

/** The `$now` parameter of time-sensitive statements: null lets the database decide. */
export function sqlNow(clock: Clock): Date | null {
  return clock.databaseNow?.() ?? null;
}
