/**
 * The fencing points of the leases a worker holds (see "Fencing" in `worker.ts`): for each run,
 * the `performance.now()` by which our lease on it ends, less a margin, counted from before the
 * statement that granted or renewed it, so never later than the database's lease end.
 */
export class LeaseFences {
  readonly #points = new Map<string, number>();
  readonly #leaseMs: number;
  readonly #marginMs: number;
  /**
   * No held lease reaches its fencing point before this, so `mayHaveLapsed` (asked whenever a
   * run ends) answers at once until then instead of the worker looking at every held run: with
   * 1,000 runs queued, that look cost 13 µs of every run's CPU. A renewal moves leases later and
   * leaves this early; the next full look (`settle`) sets it right.
   */
  #next = Infinity;

  constructor(leaseMs: number) {
    this.#leaseMs = leaseMs;
    this.#marginMs = Math.min(leaseMs / 4, 5000);
  }

  /** Holds (or renews) the lease on `id` granted by a statement sent at `askedAt`. */
  hold(id: string, askedAt: number): void {
    const at = askedAt + this.#leaseMs - this.#marginMs;
    this.#points.set(id, at);
    if (at < this.#next) this.#next = at;
  }

  holds(id: string): boolean {
    return this.#points.has(id);
  }

  forget(id: string): void {
    this.#points.delete(id);
  }

  /** False while no held lease can have reached its fencing point by `now`. */
  mayHaveLapsed(now: number): boolean {
    return now >= this.#next;
  }

  lapsed(id: string, now: number): boolean {
    return (this.#points.get(id) ?? Infinity) <= now;
  }

  /** After a full look has forgotten the lapsed leases: the earliest fencing point left. */
  settle(): void {
    this.#next = Infinity;
    for (const at of this.#points.values()) if (at < this.#next) this.#next = at;
  }
}
