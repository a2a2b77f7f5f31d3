/**
 * The performance issue's targets for Hourglass, checked against the medians of the same run:
 * met or missed, with the margin (how far inside or outside the bound, in the figure's unit).
 *
 * - Processing throughput ≥ 1.0× graphile-worker's and ≥ 4× pg-boss's, at concurrency 50.
 * - Bulk enqueue ≥ 1.0× graphile-worker's.
 * - Latency from enqueue to handler start, p99 ≤ 6 ms; shown with the bare queue's p99, the
 *   machine's floor for a durable queue woken by NOTIFY.
 * - Slot-to-start lateness of a per-second schedule, p99 ≤ 10 ms.
 * - 10,000 of 100,000 schedules due in one second turned into runs within 1 s.
 * - Idle tick cost flat from 1,000 to 100,000 schedules: read here as the median idle tick at
 *   100,000 schedules at most 1.2× the median at 1,000.
 * - Idle RSS of a worker-only process ≤ 60 MB.
 *
 * They are stated for the full sizes; a `--quick` run reports them as not evaluated.
 */
import type { SummaryRow } from './report.ts';
import { SystemName } from './systems.ts';

export interface TargetResult {
  name: string;
  bound: string;
  measured: number | null;
  unit: string;
  status: 'met' | 'missed' | 'not evaluated';
  /** Positive: inside the bound by this much; negative: outside. */
  margin: number | null;
  /** The same figure of a reference measured in the same run, to read the result against. */
  reference?: { name: string; measured: number };
}

const FLAT_TICK_FACTOR = 1.2;

function median(rows: readonly SummaryRow[], measure: string, figure: string, system: SystemName = SystemName.hourglass): number | null {
  const value = rows.find((row) => row.measure === measure && row.figure === figure)?.bySystem[system]?.median;
  return value === undefined || Number.isNaN(value) ? null : value;
}

/** Hourglass ÷ peer for a higher-is-better figure. */
function ratioTo(rows: readonly SummaryRow[], measure: string, figure: string, peer: SystemName): number | null {
  const ours = median(rows, measure, figure);
  const theirs = median(rows, measure, figure, peer);
  return ours === null || theirs === null ? null : Math.round((ours / theirs) * 100) / 100;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** A figure that must stay at or under `limit`. */
function atMost(name: string, bound: string, unit: string, measured: number | null, limit: number | null, evaluate: boolean): TargetResult {
  if (!evaluate || measured === null || limit === null) return { name, bound, measured, unit, status: 'not evaluated', margin: null };
  const margin = round2(limit - measured);
  return { name, bound, measured, unit, status: margin >= 0 ? 'met' : 'missed', margin };
}

/** A figure that must reach at least `floor`. */
function atLeast(name: string, bound: string, unit: string, measured: number | null, floor: number, evaluate: boolean): TargetResult {
  if (!evaluate || measured === null) return { name, bound, measured, unit, status: 'not evaluated', margin: null };
  const margin = round2(measured - floor);
  return { name, bound, measured, unit, status: margin >= 0 ? 'met' : 'missed', margin };
}

function withReference(result: TargetResult, name: string, measured: number | null): TargetResult {
  return measured === null ? result : { ...result, reference: { name, measured } };
}

export function evaluateTargets(rows: readonly SummaryRow[], fullSizes: boolean): TargetResult[] {
  const tickSmall = median(rows, 'scale', 'tickSmallP50Ms');
  const process50 = (peer: SystemName) => ratioTo(rows, 'pg-process-50', 'runsPerSecond', peer);
  return [
    atLeast('Processing, concurrency 50: Hourglass ÷ graphile-worker', '≥ 1.0×', '×', process50(SystemName.graphileWorker), 1, fullSizes),
    atLeast('Processing, concurrency 50: Hourglass ÷ pg-boss', '≥ 4.0×', '×', process50(SystemName.pgBoss), 4, fullSizes),
    atLeast('Bulk enqueue: Hourglass ÷ graphile-worker', '≥ 1.0×', '×', ratioTo(rows, 'pg-enqueue', 'runsPerSecond', SystemName.graphileWorker), 1, fullSizes),
    withReference(atMost('Enqueue to handler start, p99', '≤ 6 ms', 'ms', median(rows, 'latency', 'p99Ms'), 6, fullSizes), 'the bare queue', median(rows, 'latency', 'p99Ms', SystemName.bareQueue)),
    atMost('Per-second schedule: handler start after the slot, p99', '≤ 10 ms', 'ms', median(rows, 'cron', 'p99Ms'), 10, fullSizes),
    atMost('10,000 due of 100,000 schedules: all runs exist after the second', '≤ 1000 ms', 'ms', median(rows, 'scale', 'dueMs'), 1000, fullSizes),
    atMost('Idle tick p50 at 100,000 schedules vs 1,000 (does not grow)', `≤ ${FLAT_TICK_FACTOR}× the 1,000-schedule tick`, 'ms', median(rows, 'scale', 'tickLargeP50Ms'), tickSmall === null ? null : tickSmall * FLAT_TICK_FACTOR, fullSizes),
    atMost('Idle RSS of a worker-only process', '≤ 60 MB', 'MB', median(rows, 'idle-rss', 'rssMb'), 60, fullSizes),
  ];
}
