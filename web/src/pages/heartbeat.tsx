/**
 * Worker processes as the Dashboard and the Workers page show them: alive, silent (no heartbeat
 * within the scheduler's `stale_after_ms`) or stopped, and the age of the last heartbeat.
 * Ages are measured on the server's clock (`status.now`) corrected for the drift since the
 * answer arrived, so a browser whose clock is off does not show "in 2 minutes".
 */
import { useMemo } from 'react';
import type { SchedulerStatusWire, WorkerWire } from '../../../src/api/wire.js';
import { formatDuration, formatInstant } from '../format.js';
import { useNow } from '../hooks.js';

export type WorkerState = 'alive' | 'silent' | 'stopped';

export function workerStateOf(worker: WorkerWire): WorkerState {
  if (worker.stopped_at) return 'stopped';
  return worker.alive ? 'alive' : 'silent';
}

/** "3 s ago", "2 min 5 s ago". */
export function formatAge(ms: number): string {
  if (ms < 1000) return 'just now';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
  return `${formatDuration(Math.round(ms / 1000) * 1000)} ago`;
}

/** Server time minus browser time when `status` arrived (0 until it has). */
export function useClockSkew(status: SchedulerStatusWire | undefined): number {
  return useMemo(() => (status ? new Date(status.now).getTime() - Date.now() : 0), [status]);
}

/** The heartbeat's age, re-rendered every `everyMs`. */
export function HeartbeatAge({ at, skewMs, everyMs = 2000 }: { at: string; skewMs: number; everyMs?: number }) {
  const now = useNow(everyMs);
  const age = Math.max(0, now.getTime() + skewMs - new Date(at).getTime());
  return (
    <time dateTime={at} title={formatInstant(at)}>
      {formatAge(age)}
    </time>
  );
}

export function WorkerStateBadge({ state }: { state: WorkerState }) {
  return <span className={`badge badge-worker-${state}`}>{state}</span>;
}
