/**
 * The benchmark's command line and the sizes it implies.
 *
 *   npm run bench                                  # every workload, 3 repetitions
 *   npm run bench -- --reps 5 --only throughput,latency
 *   npm run bench -- --quick                       # 1 repetition, small sizes: smoke-tests the harness
 *
 * Flags: `--reps N` (default 3), `--only w1,w2` (workloads below), `--quick`, `--cron-minutes N`
 * (the peers' per-minute cron window: N minutes from the first slot, so N + 1 slots each; default
 * 3, 1 with --quick; 0 skips it), `--pglite-n N` (runs per PGlite throughput trial). The database is `DATABASE_URL`, default the local test database.
 */
import { parseArgs } from 'node:util';

export const Workload = Object.freeze({
  throughput: 'throughput',
  latency: 'latency',
  cron: 'cron',
  scale: 'scale',
  rss: 'rss',
  pglite: 'pglite',
} as const);
export type Workload = (typeof Workload)[keyof typeof Workload];
const allWorkloads = Object.values(Workload);

export interface Sizes {
  /** Runs enqueued / processed per PostgreSQL throughput trial. */
  throughputRuns: number;
  /** Runs per PGlite throughput trial. */
  pgliteRuns: number;
  latencyRuns: number;
  latencyGapMs: number;
  /** How long the per-second schedule runs per repetition. */
  cronSecondMs: number;
  scaleSchedules: number;
  scaleDue: number;
  /** The small schedule count the idle tick is compared at. */
  scaleSmall: number;
  ticks: number;
  rssWindowMs: number;
}

export interface BenchOptions {
  reps: number;
  quick: boolean;
  workloads: Workload[];
  cronMinutes: number;
  databaseUrl: string;
  sizes: Sizes;
}

const fullSizes: Sizes = {
  throughputRuns: 20_000,
  pgliteRuns: 20_000,
  latencyRuns: 500,
  latencyGapMs: 20,
  cronSecondMs: 25_000,
  scaleSchedules: 100_000,
  scaleDue: 10_000,
  scaleSmall: 1_000,
  ticks: 200,
  rssWindowMs: 30_000,
};

const quickSizes: Sizes = {
  throughputRuns: 2_000,
  pgliteRuns: 1_000,
  latencyRuns: 100,
  latencyGapMs: 20,
  cronSecondMs: 6_000,
  scaleSchedules: 10_000,
  scaleDue: 1_000,
  scaleSmall: 100,
  ticks: 50,
  rssWindowMs: 5_000,
};

function positiveInteger(value: string, flag: string, min = 1): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) throw new Error(`${flag}: expected an integer ≥ ${min}, got "${value}"`);
  return parsed;
}

function parseWorkloads(value: string | undefined): Workload[] {
  if (!value) return [...allWorkloads];
  const names = value.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !allWorkloads.includes(name as Workload));
  if (unknown.length > 0) throw new Error(`--only: unknown workload "${unknown.join('", "')}"; expected some of ${allWorkloads.join(', ')}`);
  return allWorkloads.filter((workload) => names.includes(workload));
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      reps: { type: 'string' },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'cron-minutes': { type: 'string' },
      'pglite-n': { type: 'string' },
    },
    strict: true,
  });
  const quick = values.quick ?? false;
  const base = quick ? quickSizes : fullSizes;
  const sizes = { ...base, pgliteRuns: values['pglite-n'] ? positiveInteger(values['pglite-n'], '--pglite-n') : base.pgliteRuns };
  return {
    reps: values.reps ? positiveInteger(values.reps, '--reps') : quick ? 1 : 3,
    quick,
    workloads: parseWorkloads(values.only),
    cronMinutes: values['cron-minutes'] ? positiveInteger(values['cron-minutes'], '--cron-minutes', 0) : quick ? 1 : 3,
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    sizes,
  };
}
