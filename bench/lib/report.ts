/**
 * From trial records to what people read: per measure and figure, each system's median with
 * min–max over the repetitions, and Hourglass's ratio to each peer worded by the figure's
 * direction ("1.40× faster", "2.10× higher"). Failed trials are left out of the spread and
 * counted; a system with no successful trial shows "failed".
 */
import { computeSpread, type Spread } from './stats.ts';
import { displayName, figureLabel, measures, type FigureSpec } from './measures.ts';
import type { Sizes } from './options.ts';
import type { TrialRecord } from './run-steps.ts';
import { SystemName, allSystems, type SystemName as System } from './systems.ts';

export interface Ratio {
  peer: System;
  /** Above 1: Hourglass is better by this factor. */
  ratio: number;
  text: string;
}

export interface SummaryRow {
  measure: string;
  title: string;
  figure: string;
  label: string;
  unit: string;
  higherIsBetter: boolean;
  bySystem: Partial<Record<System, Spread & { failed: number }>>;
  ratios: Ratio[];
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

function roundSpread(spread: Spread): Spread {
  return { ...spread, median: round3(spread.median), min: round3(spread.min), max: round3(spread.max) };
}

function describeRatio(figure: FigureSpec, hourglass: number, peer: number): number {
  return figure.higherIsBetter ? hourglass / peer : peer / hourglass;
}

function ratioText(ratio: number, figure: FigureSpec): string {
  const factor = ratio >= 1 ? ratio : 1 / ratio;
  return `${factor.toFixed(factor < 10 ? 2 : 1)}× ${ratio >= 1 ? figure.words[0] : figure.words[1]}`;
}

export function summarize(records: readonly TrialRecord[], sizes: Sizes): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const measure of measures) {
    const ofMeasure = records.filter((record) => record.measure === measure.key);
    if (ofMeasure.length === 0) continue;
    for (const figure of measure.figures) {
      const bySystem: SummaryRow['bySystem'] = {};
      for (const system of measure.systems) {
        const mine = ofMeasure.filter((record) => record.system === system);
        const values = mine.flatMap((record) => (record.figures && figure.key in record.figures ? [record.figures[figure.key]!] : []));
        const failed = mine.filter((record) => record.error).length;
        if (values.length > 0) bySystem[system] = { ...roundSpread(computeSpread(values)), failed };
        else if (failed > 0) bySystem[system] = { median: Number.NaN, min: Number.NaN, max: Number.NaN, count: 0, failed };
      }
      const hourglass = bySystem[SystemName.hourglass]?.median;
      const ratios = measure.systems
        .filter((system) => system !== SystemName.hourglass)
        .flatMap((peer): Ratio[] => {
          const median = bySystem[peer]?.median;
          if (hourglass === undefined || median === undefined || !Number.isFinite(hourglass) || !Number.isFinite(median) || hourglass === 0 || median === 0) return [];
          const ratio = describeRatio(figure, hourglass, median);
          return [{ peer, ratio: round3(ratio), text: ratioText(ratio, figure) }];
        });
      rows.push({ measure: measure.key, title: measure.title(sizes), figure: figure.key, label: figureLabel(figure, sizes), unit: figure.unit, higherIsBetter: figure.higherIsBetter, bySystem, ratios });
    }
  }
  return rows;
}

export function formatNumber(value: number, unit: string): string {
  if (unit === 'runs/s') return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(1);
}

function formatCell(spread: (Spread & { failed: number }) | undefined, unit: string): string {
  if (!spread) return '–';
  if (spread.count === 0) return 'failed';
  const median = formatNumber(spread.median, unit);
  const range = spread.count > 1 ? ` (${formatNumber(spread.min, unit)}–${formatNumber(spread.max, unit)})` : '';
  return `${median}${range}${spread.failed > 0 ? ` [${spread.failed} failed]` : ''}`;
}

/** Aligns cell rows into columns; a plain string (a measure's title) is printed as is. */
function renderColumns(lines: (string | string[])[]): string {
  const rows = lines.filter((line): line is string[] => Array.isArray(line));
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return lines.map((line) => (typeof line === 'string' ? line : line.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd())).join('\n');
}

/** Hourglass and its peers, then any reference system (the bare queue) a reported row has. */
function columnsOf(rows: readonly SummaryRow[]): System[] {
  const references = Object.values(SystemName).filter((system) => !allSystems.includes(system) && rows.some((row) => row.bySystem[system]));
  return [...allSystems, ...references];
}

/** The table printed at the end of a run. */
export function renderTable(rows: readonly SummaryRow[]): string {
  const columns = columnsOf(rows);
  const peers = columns.filter((system) => system !== SystemName.hourglass);
  const lines: (string | string[])[] = [['', ...columns.map((system) => displayName[system]), ...peers.map((peer) => `Hourglass vs ${displayName[peer]}`)]];
  let title = '';
  for (const row of rows) {
    if (row.title !== title) {
      title = row.title;
      lines.push(title);
    }
    const cells = columns.map((system) => formatCell(row.bySystem[system], row.unit));
    const ratios = peers.map((peer) => row.ratios.find((ratio) => ratio.peer === peer)?.text ?? '');
    lines.push([`  ${row.label} (${row.unit})`, ...cells, ...ratios]);
  }
  const notes = measures.filter((measure) => measure.note && rows.some((row) => row.measure === measure.key)).map((measure) => `  ${measure.note}`);
  return [renderColumns(lines), '', 'median (min–max) over repetitions; ratios compare medians.', ...notes].join('\n');
}
