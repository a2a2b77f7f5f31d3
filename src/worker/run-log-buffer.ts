/**
 * Buffers the lines handlers write with `ctx.log` so a chatty handler costs one insert per
 * flush, not one per line. The worker flushes every few hundred milliseconds (logs are visible
 * while the run is going) and drains a run's remaining lines into the transaction that
 * records its outcome.
 */
import type { RunLogger } from '../define.js';
import type { LogLine } from '../db/queries/run-logs.js';

/** Longest message kept; longer ones are cut (a log line is not a blob store). */
const MAX_MESSAGE_LENGTH = 8192;

export interface RunLogBuffer {
  loggerFor(runId: string): RunLogger;
  push(line: LogLine): void;
  /** Takes every buffered line (or only `runId`'s). */
  drain(runId?: string): LogLine[];
}

export function createRunLogBuffer(): RunLogBuffer {
  let lines: LogLine[] = [];
  const push = (line: LogLine) => {
    lines.push(line.message.length > MAX_MESSAGE_LENGTH ? { ...line, message: `${line.message.slice(0, MAX_MESSAGE_LENGTH)}…` } : line);
  };
  const write = (runId: string, level: LogLine['level']) => (message: string, data?: Record<string, unknown>) =>
    push({ runId, at: new Date(), level, message: String(message), data: data ?? null });
  return {
    loggerFor: (runId) => ({ debug: write(runId, 'debug'), info: write(runId, 'info'), warn: write(runId, 'warn'), error: write(runId, 'error') }),
    push,
    drain(runId) {
      if (runId === undefined) {
        const all = lines;
        lines = [];
        return all;
      }
      const mine = lines.filter((line) => line.runId === runId);
      if (mine.length > 0) lines = lines.filter((line) => line.runId !== runId);
      return mine;
    },
  };
}
