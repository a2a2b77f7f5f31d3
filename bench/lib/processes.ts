/**
 * Child processes of the benchmark: every one is tracked from spawn to exit, so a timeout,
 * a failure or Ctrl-C can stop them all, and none outlives the orchestrator.
 *
 * Trials run as `node jiti-cli <bench/trials/x.ts>`: jiti transpiles only the benchmark's own
 * TypeScript; Hourglass (dist/), the peers and pg are loaded natively by Node.
 * Output is kept (the last few kilobytes) to explain a failure, not printed.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { TrialMessage, TrialResult, TrialSpec } from './trial.ts';

const OUTPUT_TAIL_CHARS = 4000;
const STOP_GRACE_MS = 15_000;

const live = new Set<ChildProcess>();

const require = createRequire(import.meta.url);
const jitiCli = join(dirname(require.resolve('jiti/package.json')), (require('jiti/package.json') as { bin: { jiti: string } }).bin.jiti);
export const benchDir = resolve(dirname(new URL(import.meta.url).pathname), '..');

export interface TrackedChild {
  child: ChildProcess;
  /** The end of what the child wrote to stdout and stderr. */
  output(): string;
  exited: Promise<number | null>;
}

/** Spawns a process whose output is captured and whose lifetime is tracked. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions = {}): TrackedChild {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  live.add(child);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('error', (error) => {
      keep(Buffer.from(`\n${error.message}\n`));
      live.delete(child);
      resolveExit(null);
    });
    child.once('exit', (code) => {
      live.delete(child);
      resolveExit(code);
    });
  });
  return { child, output: () => tail.trim(), exited };
}

/** SIGTERM, then SIGKILL after the grace period; resolves once the process has exited. */
export async function stopTracked(tracked: TrackedChild, graceMs = STOP_GRACE_MS): Promise<void> {
  if (tracked.child.exitCode !== null || tracked.child.signalCode !== null) return;
  tracked.child.kill('SIGTERM');
  const timer = setTimeout(() => tracked.child.kill('SIGKILL'), graceMs);
  await tracked.exited;
  clearTimeout(timer);
}

/** Kills every child still running (Ctrl-C, fatal error). */
export async function killAllChildren(): Promise<void> {
  const running = [...live].filter((child) => child.exitCode === null && child.signalCode === null);
  const waits = running.map((child) => new Promise<void>((done) => {
    child.once('exit', () => done());
    child.kill('SIGKILL');
  }));
  await Promise.all(waits);
}

/**
 * Runs one trial child to completion. Rejects with the child's last output when it exits
 * without a result, and kills it when it overruns `spec.timeoutMs`.
 */
export async function runTrialChild(spec: TrialSpec): Promise<TrialResult> {
  const tracked = spawnTracked(process.execPath, [jitiCli, join(benchDir, 'trials', `${spec.script}.ts`)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, BENCH_TRIAL: JSON.stringify(spec) },
  });
  let result: TrialResult | null = null;
  tracked.child.on('message', (message: TrialMessage) => {
    if (message.type === 'result') result = message.result;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    tracked.child.kill('SIGKILL');
  }, spec.timeoutMs + STOP_GRACE_MS);
  const code = await tracked.exited;
  clearTimeout(timer);
  if (timedOut) throw new Error(`${spec.id}: no result after ${Math.round(spec.timeoutMs / 1000)} s; killed.\n${tracked.output()}`);
  if (code !== 0 || !result) throw new Error(`${spec.id}: exited with code ${code} without a result.\n${tracked.output()}`);
  return result;
}
