/**
 * Small helpers the example handlers share: an abortable pause, deterministic fake data, and
 * the `fail` / `fail_jobs` / `fail_rate` payload flags that let a demo produce failed and retried runs on
 * purpose. Nothing here knows about Hourglass; the handlers pass in what they need from the
 * job context.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Waits `ms`, or rejects with `signal.reason` as soon as the signal aborts. Rejecting (rather
 * than resolving early) makes a timed-out or cancelled handler stop where it is, which is what
 * Hourglass's timeout and cancellation rely on.
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Payload flags every example job accepts, so failures can be demonstrated from the CLI or console. */
export const failureFlags = z.object({
  /** Throws on every attempt: the run fails for good and its dependents are cancelled. */
  fail: z.boolean().default(false),
  /** Probability (0–1) that an attempt throws: shows retries that usually recover. */
  fail_rate: z.number().min(0).max(1).default(0),
  /**
   * Throws on every attempt, but only in these job types. A batch's runs all share the
   * schedule's payload, so this is how one job of a batch is made to fail on purpose.
   */
  fail_jobs: z.array(z.string()).default([]),
});
export type FailureFlags = z.output<typeof failureFlags>;

/** Throws when the payload's failure flags ask for it; call it after the handler's real work. */
export function failIfAsked(flags: FailureFlags, jobType: string): void {
  if (flags.fail) throw new Error(`${jobType}: simulated failure (payload fail: true)`);
  if (flags.fail_jobs.includes(jobType)) throw new Error(`${jobType}: simulated failure (payload fail_jobs)`);
  if (flags.fail_rate > 0 && Math.random() < flags.fail_rate) {
    throw new Error(`${jobType}: simulated intermittent failure (fail_rate ${flags.fail_rate})`);
  }
}

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A seeded pseudo-random generator (mulberry32). Seeding from the run id or the slot keeps a
 * run's fake data stable across retries, like real data would be.
 */
export function createRandom(seed: string): () => number {
  let state = Number.parseInt(sha256(seed).slice(0, 8), 16);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer in [min, max]. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Picks one element; `items` must not be empty. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Rounds to `digits` decimals so metrics and results stay readable in the console. */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
