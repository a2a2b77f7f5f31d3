/**
 * Sizes and figures of the chaos suite (test/chaos).
 *
 * Each scenario has two sizes: the full one of `npm run test:chaos` (CHAOS=full, minutes) and
 * a small one that runs inside `npm test`. `reportChaos` prints a scenario's figures on one
 * line and merges them into `test-results/chaos.json`, keyed by scenario, with the sizes, the
 * machine and the time; the chaos project's global setup (`test/chaos/global-setup.ts`) starts
 * that file afresh, so one run of the suite leaves one file.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

export type ChaosMode = 'full' | 'subset';

export const chaosResultsPath = fileURLToPath(new URL('../../test-results/chaos.json', import.meta.url));

export function chaosMode(): ChaosMode {
  return process.env.CHAOS === 'full' ? 'full' : 'subset';
}

/** The size of a scenario for the current mode. */
export function chaosSize<T>(sizes: Record<ChaosMode, T>): T {
  return sizes[chaosMode()];
}

export type Figures = Record<string, number | string | boolean>;

export interface ScenarioResult {
  mode: ChaosMode;
  sizes: object;
  figures: Figures;
  /** ISO instant the scenario finished. */
  at: string;
  wallMs: number;
}

export interface ChaosResults {
  mode: ChaosMode;
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  command: string;
  scenarios: Record<string, ScenarioResult>;
}

/** An empty results file for a new run of the suite. */
export function createChaosResults(): ChaosResults {
  const cores = cpus();
  return {
    mode: chaosMode(),
    startedAt: new Date().toISOString(),
    machine: { cpus: cores.length, cpuModel: cores[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
    command: chaosMode() === 'full' ? 'npm run test:chaos' : 'npx vitest run --project chaos (inside npm test)',
    scenarios: {},
  };
}

export function writeChaosResults(results: ChaosResults): void {
  mkdirSync(dirname(chaosResultsPath), { recursive: true });
  writeFileSync(chaosResultsPath, `${JSON.stringify(results, null, 2)}\n`);
}

/** Runs `update` on the results file under a lock file: scenario files may run in parallel. */
async function updateChaosResults(update: (results: ChaosResults) => void): Promise<void> {
  const lock = join(dirname(chaosResultsPath), 'chaos.json.lock');
  mkdirSync(dirname(lock), { recursive: true });
  const fd = await waitFor(
    () => {
      try {
        return openSync(lock, 'wx');
      } catch {
        return null;
      }
    },
    { timeoutMs: 10_000, intervalMs: 20, message: `the lock ${lock}` },
  );
  try {
    let results: ChaosResults;
    try {
      results = JSON.parse(readFileSync(chaosResultsPath, 'utf8')) as ChaosResults;
    } catch {
      results = createChaosResults(); // a file run on its own, without the global setup
    }
    update(results);
    writeChaosResults(results);
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}

/** Prints `[chaos/<scenario>] key=value …` and merges the figures into test-results/chaos.json. */
export async function reportChaos(scenario: string, result: { sizes: object; figures: Figures; wallMs: number }): Promise<void> {
  const line = Object.entries(result.figures)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  console.log(`[chaos/${scenario}] ${chaosMode()} ${line} (wall ${(result.wallMs / 1000).toFixed(1)} s)`);
  await updateChaosResults((results) => {
    results.scenarios[scenario] = { mode: chaosMode(), sizes: result.sizes, figures: result.figures, at: new Date().toISOString(), wallMs: Math.round(result.wallMs) };
  });
}

/** The `p`-th percentile (0–100, nearest rank) of `values`; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
