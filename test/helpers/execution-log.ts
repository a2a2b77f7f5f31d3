/**
 * The execution log of the chaos suite's `chaos-work` job (test/fixtures/chaos-jobs.ts): where
 * and when each run's handler really ran, recorded outside the database by the processes
 * themselves. It answers what the `job_runs` row cannot: whether a handler ran twice, and
 * whether two processes executed the same run at the same time.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { ExecutionLine } from '../fixtures/chaos-jobs.js';

/** One execution of a run's handler. */
export interface Execution {
  id: string;
  runId: string;
  attempt: number;
  pid: number;
  startedAt: number;
  /** Null when the process died first (no `end` line). */
  endedAt: number | null;
  /** `completed`, or why the handler's signal aborted; null without an `end` line. */
  end: string | null;
}

export interface ExecutionLog {
  /** The processes' environment that turns the log on. */
  readonly env: { CHAOS_EXECUTION_DIR: string };
  read(): Execution[];
}

/** A fresh log directory for the current test, removed when the test ends. */
export function createExecutionLog(): ExecutionLog {
  const dir = mkdtempSync(join(tmpdir(), 'hourglass-executions-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return {
    env: { CHAOS_EXECUTION_DIR: dir },
    read() {
      const executions = new Map<string, Execution>();
      for (const file of readdirSync(dir)) {
        // A process killed mid-write leaves at most a partial last line.
        const lines = readFileSync(join(dir, file), 'utf8').split('\n').filter((line) => line.endsWith('}'));
        for (const line of lines.map((text) => JSON.parse(text) as ExecutionLine)) {
          const execution = executions.get(line.execution) ?? { id: line.execution, runId: line.runId, attempt: line.attempt, pid: line.pid, startedAt: line.at, endedAt: null, end: null };
          if (line.event === 'end') Object.assign(execution, { endedAt: line.at, end: line.end ?? null });
          executions.set(line.execution, execution);
        }
      }
      return [...executions.values()];
    },
  };
}

/** Executions grouped by run, each group in order of start. */
export function groupByRun(executions: readonly Execution[]): Map<string, Execution[]> {
  const byRun = new Map<string, Execution[]>();
  for (const execution of executions) byRun.set(execution.runId, [...(byRun.get(execution.runId) ?? []), execution]);
  for (const group of byRun.values()) group.sort((a, b) => a.startedAt - b.startedAt);
  return byRun;
}

export interface Overlap {
  first: Execution;
  second: Execution;
  /** How long both were under way. */
  overlapMs: number;
}

/**
 * Pairs of executions of one run under way at the same time (in two processes, or twice in one
 * after its lease lapsed there). An execution without an `end` line ended when its process was
 * killed (`killedAt` by pid); if its process was not killed it is still under way.
 */
export function findOverlaps(executions: readonly Execution[], killedAt: ReadonlyMap<number, number>): Overlap[] {
  const endOf = (execution: Execution) => execution.endedAt ?? killedAt.get(execution.pid) ?? Number.POSITIVE_INFINITY;
  const overlaps: Overlap[] = [];
  for (const group of groupByRun(executions).values()) {
    for (const [index, first] of group.entries()) {
      for (const second of group.slice(index + 1)) {
        if (second.startedAt >= endOf(first)) continue;
        overlaps.push({ first, second, overlapMs: Math.min(endOf(first), endOf(second)) - second.startedAt });
      }
    }
  }
  return overlaps;
}
