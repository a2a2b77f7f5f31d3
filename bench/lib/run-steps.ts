/**
 * Running the planned steps and recording what each produced. A step never throws: a failed
 * or timed-out trial becomes a record with its error, the benchmark goes on, and the exit code
 * says that something failed. Each trial gets a fresh schema, dropped when its process is gone.
 *
 * The idle-RSS step starts the three worker-only processes side by side (the real Hourglass
 * CLI, and a minimal runner per peer, all plain `node`), reads `VmRSS` from
 * `/proc/<pid>/status` after the window, and stops them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropSchemas, nextSchemaName } from './admin-db.ts';
import type { RssStep, TrialStep } from './plan.ts';
import { benchDir, runTrialChild, spawnTracked, stopTracked, type TrackedChild } from './processes.ts';
import { SystemName, graphileWorkerSettings, hourglassWorkerSettings, pgBossInstanceSettings, pgBossQueueSettings, pgBossWorkSettings, type SystemName as System } from './systems.ts';
import { Backend } from './trial.ts';

export interface TrialRecord {
  rep: number;
  measure: string;
  system: System;
  backend: Backend;
  params: Record<string, number | string>;
  figures?: Record<string, number>;
  settings?: unknown;
  samples?: number[];
  error?: string;
  wallMs: number;
}

const rootDir = join(benchDir, '..');

/** Drops a step's schemas; a failure is reported, and the final sweep tries again. */
async function dropQuietly(databaseUrl: string, schemas: string[]): Promise<void> {
  await dropSchemas(databaseUrl, schemas).catch((error: Error) => console.error(`could not drop ${schemas.join(', ')} yet (${error.message}); the final sweep retries`));
}

export async function runTrialStep(step: TrialStep, databaseUrl: string): Promise<TrialRecord> {
  const schema = nextSchemaName(step.system);
  const started = performance.now();
  const base = { rep: step.rep, measure: step.measure, system: step.system, backend: step.backend, params: step.params };
  try {
    const spec = { id: `r${step.rep}/${step.measure}/${step.system}`, script: step.script, system: step.system, backend: step.backend, databaseUrl, schema, params: step.params, timeoutMs: step.timeoutMs };
    const result = await runTrialChild(spec);
    return { ...base, ...result, wallMs: performance.now() - started };
  } catch (error) {
    return { ...base, error: (error as Error).message, wallMs: performance.now() - started };
  } finally {
    if (step.backend === Backend.postgres) await dropQuietly(databaseUrl, [schema]);
  }
}

interface IdleProcess {
  system: System;
  schema: string;
  settings: unknown;
  tracked: TrackedChild;
}

function startIdleProcess(system: System, databaseUrl: string): IdleProcess {
  const schema = nextSchemaName(system);
  const env = { ...process.env, DATABASE_URL: databaseUrl, BENCH_SCHEMA: schema };
  const options = { cwd: rootDir };
  if (system === SystemName.hourglass) {
    const worker = hourglassWorkerSettings(10);
    const args = [join(rootDir, 'dist/cli/main.js'), 'worker', '--config', join(benchDir, 'configs/hourglass.config.mjs')];
    const tracked = spawnTracked(process.execPath, args, { ...options, env: { ...env, BENCH_WORKER: JSON.stringify(worker) } });
    return { system, schema, settings: { command: 'hourglass worker --config bench/configs/hourglass.config.mjs', worker }, tracked };
  }
  if (system === SystemName.graphileWorker) {
    const worker = graphileWorkerSettings(10);
    const tracked = spawnTracked(process.execPath, [join(benchDir, 'peers/graphile-worker-idle.mjs')], { ...options, env: { ...env, BENCH_WORKER: JSON.stringify(worker) } });
    return { system, schema, settings: worker, tracked };
  }
  const settings = { instance: pgBossInstanceSettings(), queue: pgBossQueueSettings(), work: pgBossWorkSettings(10) };
  const tracked = spawnTracked(process.execPath, [join(benchDir, 'peers/pg-boss-idle.mjs')], {
    ...options,
    env: { ...env, BENCH_INSTANCE: JSON.stringify(settings.instance), BENCH_QUEUE: JSON.stringify(settings.queue), BENCH_WORKER: JSON.stringify(settings.work) },
  });
  return { system, schema, settings, tracked };
}

function readRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Math.round((kb / 1024) * 10) / 10;
}

export async function runRssStep(step: RssStep, databaseUrl: string): Promise<TrialRecord[]> {
  const started = performance.now();
  const running = step.systems.map((system) => startIdleProcess(system, databaseUrl));
  try {
    await new Promise((resolve) => setTimeout(resolve, step.windowMs));
    return running.map(({ system, settings, tracked }): TrialRecord => {
      const base = { rep: step.rep, measure: step.measure, system, backend: Backend.postgres, params: { windowMs: step.windowMs }, settings };
      const wallMs = performance.now() - started;
      const alive = tracked.child.exitCode === null && tracked.child.signalCode === null && tracked.child.pid !== undefined;
      if (!alive) return { ...base, error: `exited before the window ended.\n${tracked.output()}`, wallMs };
      try {
        return { ...base, figures: { rssMb: readRssMb(tracked.child.pid!) }, wallMs };
      } catch (error) {
        return { ...base, error: `${(error as Error).message}\n${tracked.output()}`, wallMs };
      }
    });
  } finally {
    await Promise.all(running.map(({ tracked }) => stopTracked(tracked)));
    await dropQuietly(databaseUrl, running.map(({ schema }) => schema));
  }
}
