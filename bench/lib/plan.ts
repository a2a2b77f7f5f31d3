/**
 * The order of the benchmark: within each repetition every workload in turn, and within each
 * measure every system in turn, starting one system later each repetition (rotation), so no
 * system always runs first, on a cold database, or right after the heaviest neighbour.
 * The peers' per-minute cron window comes after all repetitions, alone.
 *
 * Timeouts bound every trial: a trial that overruns is killed and recorded as failed.
 */
import { Workload, type BenchOptions } from './options.ts';
import { measures } from './measures.ts';
import { SystemName, type SystemName as System } from './systems.ts';
import { Backend, type TrialScript } from './trial.ts';

export interface TrialStep {
  kind: 'trial';
  rep: number;
  measure: string;
  system: System;
  script: TrialScript;
  backend: Backend;
  params: Record<string, number | string>;
  timeoutMs: number;
}

/** One window in which the three idle workers run side by side. */
export interface RssStep {
  kind: 'rss';
  rep: number;
  measure: string;
  systems: System[];
  windowMs: number;
}

export type Step = TrialStep | RssStep;

const MINUTE_MS = 60_000;

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function systemsOf(measure: string, rep: number): System[] {
  return rotate(measures.find((m) => m.key === measure)!.systems, rep - 1);
}

function throughputSteps(rep: number, backend: Backend, runs: number): TrialStep[] {
  const prefix = backend === Backend.postgres ? 'pg' : 'pglite';
  const phases = [
    { measure: `${prefix}-enqueue`, phase: 'enqueue', concurrency: 10, timeoutMs: 2 * MINUTE_MS },
    { measure: `${prefix}-process-10`, phase: 'process', concurrency: 10, timeoutMs: 5 * MINUTE_MS },
    { measure: `${prefix}-process-50`, phase: 'process', concurrency: 50, timeoutMs: 5 * MINUTE_MS },
  ];
  return phases.flatMap(({ measure, phase, concurrency, timeoutMs }) =>
    systemsOf(measure, rep).map((system): TrialStep => ({ kind: 'trial', rep, measure, system, script: 'throughput', backend, params: { phase, runs, concurrency }, timeoutMs })),
  );
}

/** The steps of repetition `rep` (1-based) for the selected workloads. */
export function planRepetition(rep: number, options: BenchOptions): Step[] {
  const { sizes, workloads } = options;
  const postgres = Backend.postgres;
  const steps: Step[] = [];
  if (workloads.includes(Workload.throughput)) steps.push(...throughputSteps(rep, postgres, sizes.throughputRuns));
  if (workloads.includes(Workload.pglite)) steps.push(...throughputSteps(rep, Backend.pglite, sizes.pgliteRuns));
  if (workloads.includes(Workload.latency)) {
    const params = { runs: sizes.latencyRuns, gapMs: sizes.latencyGapMs };
    const timeoutMs = sizes.latencyRuns * sizes.latencyGapMs + MINUTE_MS;
    for (const system of systemsOf('latency', rep)) steps.push({ kind: 'trial', rep, measure: 'latency', system, script: 'latency', backend: postgres, params, timeoutMs });
  }
  if (workloads.includes(Workload.cron)) {
    const params = { durationMs: sizes.cronSecondMs };
    steps.push({ kind: 'trial', rep, measure: 'cron', system: SystemName.hourglass, script: 'cron-second', backend: postgres, params, timeoutMs: sizes.cronSecondMs + MINUTE_MS });
  }
  if (workloads.includes(Workload.scale)) {
    const params = { schedules: sizes.scaleSchedules, due: sizes.scaleDue, small: sizes.scaleSmall, ticks: sizes.ticks };
    steps.push({ kind: 'trial', rep, measure: 'scale', system: SystemName.hourglass, script: 'schedule-scale', backend: postgres, params, timeoutMs: 5 * MINUTE_MS });
  }
  if (workloads.includes(Workload.rss)) steps.push({ kind: 'rss', rep, measure: 'idle-rss', systems: systemsOf('idle-rss', rep), windowMs: sizes.rssWindowMs });
  return steps;
}

/**
 * The peers' per-minute cron trials, run in parallel after every repetition: a window of
 * `cronMinutes` minutes from the first slot, so `cronMinutes + 1` slots each.
 */
export function planCronMinuteWindow(options: BenchOptions): TrialStep[] {
  if (!options.workloads.includes(Workload.cron) || options.cronMinutes === 0) return [];
  return [SystemName.graphileWorker, SystemName.pgBoss].map((system) => ({
    kind: 'trial',
    rep: 1,
    measure: 'cron',
    system,
    script: 'cron-minute',
    backend: Backend.postgres,
    params: { slots: options.cronMinutes + 1 },
    timeoutMs: (options.cronMinutes + 3) * MINUTE_MS,
  }));
}
