/**
 * Exponential backoff with full jitter: attempt 1 waits up to `baseMs`, each further attempt
 * doubles the bound up to `maxMs`. Jitter keeps many processes that lost the same database
 * from reconnecting in lockstep. `random` is a seam for tests.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Fraction of the bound that is always waited (0 = full jitter). @default 0.5 */
  floor?: number;
}

export function computeBackoffMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const bound = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  const floor = options.floor ?? 0.5;
  return Math.round(bound * floor + bound * (1 - floor) * random());
}
