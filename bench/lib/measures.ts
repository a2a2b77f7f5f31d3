/**
 * The catalog of what the benchmark reports: each measure (a row group of the table), the
 * systems it covers, and its figures with unit and direction. The direction decides how a
 * ratio reads: for higher-is-better figures Hourglass ÷ peer, for lower-is-better peer ÷
 * Hourglass, so a ratio above 1 always means Hourglass is better ("1.4× faster").
 */
import { Workload, type Sizes } from './options.ts';
import { SystemName, allSystems } from './systems.ts';

export interface FigureSpec {
  key: string;
  label: string;
  unit: string;
  higherIsBetter: boolean;
  /** How a ratio above / below 1 reads: e.g. ['faster', 'slower']. */
  words: readonly [string, string];
}

export interface MeasureSpec {
  key: string;
  workload: Workload;
  title: (sizes: Sizes) => string;
  systems: readonly SystemName[];
  figures: readonly FigureSpec[];
  /** Shown under the table when the measure is reported. */
  note?: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const runsPerSecond: FigureSpec = { key: 'runsPerSecond', label: 'throughput', unit: 'runs/s', higherIsBetter: true, words: ['faster', 'slower'] };
const lowerMs = (key: string, label: string): FigureSpec => ({ key, label, unit: 'ms', higherIsBetter: false, words: ['lower', 'higher'] });
const hourglassOnly = [SystemName.hourglass] as const;
const embedded = [SystemName.hourglass, SystemName.pgBoss] as const;

/** Column headers of the table. */
export const displayName: Record<SystemName, string> = { hourglass: 'Hourglass', 'graphile-worker': 'graphile-worker', 'pg-boss': 'pg-boss', 'bare-queue': 'bare queue' };

export const measures: readonly MeasureSpec[] = [
  { key: 'pg-enqueue', workload: Workload.throughput, title: (s) => `Bulk enqueue of ${fmt(s.throughputRuns)} runs, PostgreSQL`, systems: allSystems, figures: [runsPerSecond] },
  { key: 'pg-process-10', workload: Workload.throughput, title: (s) => `Process ${fmt(s.throughputRuns)} no-op runs, concurrency 10, PostgreSQL`, systems: allSystems, figures: [runsPerSecond] },
  { key: 'pg-process-50', workload: Workload.throughput, title: (s) => `Process ${fmt(s.throughputRuns)} no-op runs, concurrency 50, PostgreSQL`, systems: allSystems, figures: [runsPerSecond] },
  {
    key: 'latency',
    workload: Workload.latency,
    title: (s) => `Enqueue → handler start, ${fmt(s.latencyRuns)} runs ${s.latencyGapMs} ms apart, idle worker (c 10), separate producer`,
    systems: [...allSystems, SystemName.bareQueue],
    figures: [lowerMs('p50Ms', 'p50'), lowerMs('p95Ms', 'p95'), lowerMs('p99Ms', 'p99')],
    note: "Latency: the bare queue is no product but this machine's floor for any durable queue woken by NOTIFY: one table, an insert + NOTIFY committed, one claim (bench/lib/drivers/bare-queue.ts).",
  },
  {
    key: 'cron',
    workload: Workload.cron,
    title: () => 'Cron lateness: handler start after the slot',
    systems: allSystems,
    figures: [lowerMs('p50Ms', 'p50'), lowerMs('p99Ms', 'p99')],
    note: 'Cron: Hourglass runs a per-second schedule (`* * * * * *`); graphile-worker and pg-boss support per-minute schedules only (`* * * * *`), measured in one quiet window at the end.',
  },
  {
    key: 'scale',
    workload: Workload.scale,
    title: (s) => `Schedule scale: ${fmt(s.scaleSchedules)} active schedules, ${fmt(s.scaleDue)} due in one second`,
    systems: hourglassOnly,
    figures: [
      lowerMs('dueMs', 'all due runs exist after the second'),
      lowerMs('tickSmallP50Ms', 'idle tick p50, small'),
      lowerMs('tickSmallP99Ms', 'idle tick p99, small'),
      lowerMs('tickLargeP50Ms', 'idle tick p50, large'),
      lowerMs('tickLargeP99Ms', 'idle tick p99, large'),
    ],
  },
  {
    key: 'idle-rss',
    workload: Workload.rss,
    title: (s) => `Idle RSS of a worker-only process after ${s.rssWindowMs / 1000} s`,
    systems: allSystems,
    figures: [{ key: 'rssMb', label: 'VmRSS', unit: 'MB', higherIsBetter: false, words: ['smaller', 'larger'] }],
  },
  {
    key: 'pglite-enqueue',
    workload: Workload.pglite,
    title: (s) => `Bulk enqueue of ${fmt(s.pgliteRuns)} runs, embedded PGlite`,
    systems: embedded,
    figures: [runsPerSecond],
    note: 'PGlite: graphile-worker needs a node-postgres pool and has no PGlite adapter; pg-boss runs through its own (`fromPglite`).',
  },
  { key: 'pglite-process-10', workload: Workload.pglite, title: (s) => `Process ${fmt(s.pgliteRuns)} no-op runs, concurrency 10, embedded PGlite`, systems: embedded, figures: [runsPerSecond] },
  { key: 'pglite-process-50', workload: Workload.pglite, title: (s) => `Process ${fmt(s.pgliteRuns)} no-op runs, concurrency 50, embedded PGlite`, systems: embedded, figures: [runsPerSecond] },
];

/** Labels that name the sizes (the scale figures' "small" and "large" schedule counts). */
export function figureLabel(figure: FigureSpec, sizes: Sizes): string {
  return figure.label
    .replace('small', `${fmt(sizes.scaleSmall)} schedules`)
    .replace('large', `${fmt(sizes.scaleSchedules)} schedules`)
    .replace('due', fmt(sizes.scaleDue));
}
