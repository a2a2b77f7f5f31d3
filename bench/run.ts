/**
 * `npm run bench`: Hourglass against graphile-worker and pg-boss on the same PostgreSQL (and,
 * for throughput, on embedded PGlite), every trial in a fresh child process and schema,
 * systems interleaved and rotated per repetition (`lib/plan.ts`). Prints the medians with
 * min–max and Hourglass's ratio to each peer, and writes `bench/results/latest.json` with the
 * machine, the versions, every system's settings, every figure of every repetition, the
 * medians, the ratios and the issue's targets.
 *
 * Flags: see `lib/options.ts`. Settings of the systems: `lib/systems.ts`.
 * Ctrl-C (or a fatal error) kills every child process and drops every schema of this run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sweepSchemas } from './lib/admin-db.ts';
import { describeMachine } from './lib/machine.ts';
import { figureLabel, measures } from './lib/measures.ts';
import { parseBenchOptions, type BenchOptions } from './lib/options.ts';
import { planCronMinuteWindow, planRepetition, type TrialStep } from './lib/plan.ts';
import { benchDir, killAllChildren } from './lib/processes.ts';
import { formatNumber, renderTable, summarize } from './lib/report.ts';
import { runRssStep, runTrialStep, type TrialRecord } from './lib/run-steps.ts';
import { evaluateTargets } from './lib/targets.ts';

const resultsPath = join(benchDir, 'results', 'latest.json');
let interrupted = false;
/** Set once the options are parsed: where a Ctrl-C sweeps this run's schemas. */
let sweepDatabaseUrl: string | null = null;

function printRecord(record: TrialRecord, options: BenchOptions): void {
  const figure = measures.find((measure) => measure.key === record.measure)!.figures[0]!;
  const value = record.figures?.[figure.key];
  const shown = record.error
    ? `FAILED: ${record.error.split('\n')[0]}`
    : `${value === undefined ? '?' : formatNumber(value, figure.unit)} ${figure.unit} (${figureLabel(figure, options.sizes)})`;
  const rep = record.measure === 'cron' && record.system !== 'hourglass' ? 'window' : `r${record.rep}/${options.reps}`;
  console.log(`${rep.padEnd(7)} ${record.measure.padEnd(18)} ${record.system.padEnd(16)} ${shown}  [${(record.wallMs / 1000).toFixed(1)} s]`);
  if (record.error) console.error(record.error.replace(/^/gm, '    '));
}

function roundFigures(figures: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(figures).map(([key, value]) => [key, Math.round(value * 1000) / 1000]));
}

async function runAll(options: BenchOptions, records: TrialRecord[]): Promise<void> {
  for (let rep = 1; rep <= options.reps; rep++) {
    for (const step of planRepetition(rep, options)) {
      if (interrupted) return;
      const produced = step.kind === 'rss' ? await runRssStep(step, options.databaseUrl) : [await runTrialStep(step, options.databaseUrl)];
      if (interrupted) return;
      for (const record of produced) {
        records.push(record);
        printRecord(record, options);
      }
    }
  }
  const window: TrialStep[] = planCronMinuteWindow(options);
  if (window.length === 0 || interrupted) return;
  console.log(`per-minute cron window: graphile-worker and pg-boss in parallel, ${options.cronMinutes + 1} slots each, nothing else running`);
  for (const record of await Promise.all(window.map((step) => runTrialStep(step, options.databaseUrl)))) {
    records.push(record);
    printRecord(record, options);
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) process.exit(130);
  interrupted = true;
  console.error(`\n${signal}: stopping child processes and dropping this run's schemas…`);
  void killAllChildren()
    .then(() => (sweepDatabaseUrl ? sweepSchemas(sweepDatabaseUrl) : []))
    .finally(() => process.exit(130));
}

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2));
  sweepDatabaseUrl = options.databaseUrl;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const startedAt = new Date();
  const environment = await describeMachine(options.databaseUrl);
  console.log(`bench: ${options.reps} repetition(s) of ${options.workloads.join(', ')}${options.quick ? ' (quick sizes)' : ''} on ${environment.machine.cpus} × ${environment.machine.model}`);
  const records: TrialRecord[] = [];
  try {
    await runAll(options, records);
  } finally {
    await killAllChildren();
    const left = await sweepSchemas(options.databaseUrl);
    if (left.length > 0) console.error(`dropped schemas left behind: ${left.join(', ')}`);
  }
  const finishedAt = new Date();
  const rows = summarize(records, options.sizes);
  const targets = evaluateTargets(rows, !options.quick);
  const settings = Object.fromEntries(records.filter((r) => r.settings).map((r) => [`${r.measure}/${r.system}`, r.settings]));
  const wallSeconds = Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10;
  const result = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    wallSeconds,
    options: { reps: options.reps, quick: options.quick, workloads: options.workloads, cronMinutes: options.cronMinutes, sizes: options.sizes },
    ...environment,
    settings,
    trials: records.map(({ settings: _, ...record }) => ({ ...record, figures: record.figures && roundFigures(record.figures), wallMs: Math.round(record.wallMs) })),
    summary: rows,
    notes: measures.filter((measure) => measure.note && rows.some((row) => row.measure === measure.key)).map((measure) => measure.note),
    targets,
  };
  mkdirSync(join(benchDir, 'results'), { recursive: true });
  writeFileSync(resultsPath, `${JSON.stringify(result, null, 2)}\n`);

  console.log(`\n${renderTable(rows)}\n`);
  for (const target of targets) {
    const margin = target.margin === null ? '' : ` (margin ${target.margin > 0 ? '+' : ''}${target.margin} ${target.unit})`;
    const reference = target.reference ? `; ${target.reference.name}: ${Math.round(target.reference.measured * 100) / 100} ${target.unit}` : '';
    console.log(`target ${target.status.padEnd(13)} ${target.name}: ${target.measured === null ? '–' : `${Math.round(target.measured * 100) / 100} ${target.unit}`}, bound ${target.bound}${margin}${reference}`);
  }
  console.log(`\nwrote ${relative(process.cwd(), resultsPath)}; wall time ${Math.floor(wallSeconds / 60)} min ${Math.round(wallSeconds % 60)} s`);
  return records.some((record) => record.error) ? 1 : 0;
}

process.exitCode = await main();
