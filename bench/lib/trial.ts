/**
 * What the orchestrator and a trial child exchange: the trial's spec goes down in the
 * `BENCH_TRIAL` environment variable (JSON), the result comes back over the IPC channel. A
 * child measures one system in one workload and exits; the orchestrator owns its schema and
 * drops it afterwards.
 */
import type { SystemName } from './systems.ts';

export const Backend = Object.freeze({ postgres: 'postgres', pglite: 'pglite' } as const);
export type Backend = (typeof Backend)[keyof typeof Backend];

/** The child scripts under `bench/trials/`. */
export type TrialScript = 'throughput' | 'latency' | 'cron-second' | 'cron-minute' | 'schedule-scale';

export interface TrialSpec {
  /** Unique within one benchmark run, e.g. `r2/pg-process-50/pg-boss`. */
  id: string;
  script: TrialScript;
  system: SystemName;
  backend: Backend;
  databaseUrl: string;
  /** Schema the trial works in (PostgreSQL) or names its tables after (PGlite). */
  schema: string;
  /** Script-specific sizes: runs, concurrency, phase, durations. */
  params: Record<string, number | string>;
  timeoutMs: number;
}

/** Measured figures (named with their unit), the exact options used, and optional raw samples. */
export interface TrialResult {
  figures: Record<string, number>;
  settings: unknown;
  samples?: number[];
}

export interface TrialMessage {
  type: 'result';
  result: TrialResult;
}
