/**
 * The instants at which runs this worker may claim become claimable later (a delayed enqueue,
 * a retry after its backoff, a jittered slot), so that an idle worker wakes at the instant
 * instead of at its next poll: with the default `worker.pollMs` of 1 s, a retry due in 1 s
 * started 1–2 s after the failure. The instants come from NOTIFY (`runs@<epoch ms>`, see
 * `Notification` in `runtime.ts`), sent with the earliest such run of each statement that
 * writes runs, by whichever process wrote them.
 *
 * Instants are `run_after` in epoch milliseconds (the worker adds one, for the microseconds a
 * value read back from the database lost); the wait before one is measured on this process's
 * clock. A clock ahead of the database's wakes the worker that much early: its claim finds
 * nothing, the instant is dropped, and the run waits for the next poll, as without this.
 * Polling stays the fallback for every run this does not know of: the later runs of one
 * statement after its earliest, instants beyond `MAX_DUE_TIMES`, runs written before the
 * worker started.
 */

/** Instants kept at most: the earliest ones; a later one beyond them waits for a poll. */
export const MAX_DUE_TIMES = 1000;

export class DueTimes {
  /** Distinct instants, ascending. */
  readonly #times: number[] = [];

  /**
   * Adds an instant; true when it is now the earliest (the idle wait should be recomputed). A
   * payload that is not a number is ignored: a NaN kept here would never be covered.
   */
  add(at: number): boolean {
    if (!Number.isFinite(at)) return false;
    const times = this.#times;
    let low = 0;
    let high = times.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (times[middle]! < at) low = middle + 1;
      else high = middle;
    }
    if (times[low] === at || low >= MAX_DUE_TIMES) return false;
    times.splice(low, 0, at);
    if (times.length > MAX_DUE_TIMES) times.pop();
    return low === 0;
  }

  /** Forgets every instant up to `at`: a claim that started at `at` looked for their runs. */
  coveredUpTo(at: number): void {
    let passed = 0;
    while (passed < this.#times.length && this.#times[passed]! <= at) passed += 1;
    if (passed > 0) this.#times.splice(0, passed);
  }

  /** How long an idle worker may sleep at `now`: up to the earliest instant, at most `pollMs`. */
  idleMs(now: number, pollMs: number): number {
    const next = this.#times[0];
    return next === undefined ? pollMs : Math.max(0, Math.min(pollMs, next - now));
  }

  get size(): number {
    return this.#times.length;
  }
}
