/**
 * Buffers the lines handlers write with `ctx.log` so a chatty handler costs one insert per
 * flush, not one per line. The worker flushes every few hundred milliseconds (logs are visible
 * while the run is going) and drains a run's remaining lines into the transaction that
 * records its outcome. Lines are kept per run, so draining the runs of an outcome batch costs
 * a lookup per run whatever else is buffered.
 */
import type { RunLogger } from '../define.js';
import type { LogLine } from '../db/queries/run-logs.js';

/** Longest message kept; longer ones are cut (a log line is not a blob store). */
const MAX_MESSAGE_LENGTH = 8192;

export interface RunLogBuffer {
  loggerFor(runId: string): RunLogger;
  push(line: LogLine): void;
  /** Takes every buffered line. */
  drain(): LogLine[];
  /** Takes the buffered lines of one run. */
  drainRun(runId: string): LogLine[];
}

export function createRunLogBuffer(): RunLogBuffer {
  let byRun = new Map<string, LogLine[]>();
  const push = (line: LogLine) => {
    const kept = line.message.length > MAX_MESSAGE_LENGTH ? { ...line, message: `${line.message.slice(0, MAX_MESSAGE_LENGTH)}…` } : line;
    const lines = byRun.get(line.runId);
    if (lines) lines.push(kept);
    else byRun.set(line.runId, [kept]);
  };
  const write = (runId: string, level: LogLine['level']) => (message: string, data?: Record<string, unknown>) =>
    push({ runId, at: new Date(), level, message: String(message), data: data ?? null });
  return {
    loggerFor: (runId) => ({ debug: write(runId, 'debug'), info: write(runId, 'info'), warn: write(runId, 'warn'), error: write(runId, 'error') }),
    push,
    drain() {
      const all = [...byRun.values()].flat();
      byRun = new Map();
      return all;
    },
    drainRun(runId) {
      const lines = byRun.get(runId) ?? [];
      byRun.delete(runId);
      return lines;
    },
  };
}
