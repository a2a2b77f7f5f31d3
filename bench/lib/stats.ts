/**
 * Order statistics of the benchmark: nearest-rank percentiles (the same rule as
 * `bench/fire-precision.ts`, so figures compare across scripts) and the median / min / max
 * summary of a figure over repetitions.
 */

/** Nearest-rank percentile of `values` (unsorted is fine); NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  count: number;
}

/** Median (mean of the middle two for an even count), min and max over repetitions. */
export function computeSpread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, count: sorted.length };
}

/** p50 / p95 / p99 / max of samples in milliseconds, rounded to 0.01 ms. */
export function summarizeLateness(samples: readonly number[]): { p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; samples: number } {
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    p50Ms: round(percentile(samples, 50)),
    p95Ms: round(percentile(samples, 95)),
    p99Ms: round(percentile(samples, 99)),
    maxMs: round(Math.max(...samples)),
    samples: samples.length,
  };
}
