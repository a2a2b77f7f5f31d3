/**
 * The events one Hourglass instance emits, with their payloads. Names are
 * `area:subject:verb-past`. Events describe what THIS process did (its ticks, the runs its
 * worker executed); the database is the record of what the cluster did.
 *
 * Listeners must not throw: a throwing listener is logged and ignored (`safeEmit`), so an
 * observer can never break a loop.
 */
import { EventEmitter } from 'node:events';
import type { JobRun } from './model.js';

export interface HourglassEventMap {
  /** A scheduler tick committed. */
  'scheduler:tick:completed': { schedules: number; runs: number; skipped: number; missed: number; suppressed: number; durationMs: number };
  /** One slot (or manual trigger) of a schedule created its runs. */
  'schedule:fired': { scheduleId: string; scheduleName: string; slot: Date | null; trigger: string; runIds: string[]; skipped: boolean };
  /** A paused schedule resumed because its `paused_until` passed. */
  'schedule:resumed': { scheduleId: string };
  /** A schedule paused itself after `pause_after_failures` consecutive failures. */
  'schedule:auto-paused': { scheduleId: string };
  /** This worker claimed a run and is starting its handler. */
  'run:claimed': { run: JobRun };
  'run:completed': { run: JobRun; durationMs: number; result: unknown };
  /** An attempt failed; `willRetry` says whether another attempt follows. */
  'run:failed': { run: JobRun; error: string; willRetry: boolean; durationMs: number };
  'run:cancelled': { run: JobRun; reason: string };
  /** Shutdown handed an unfinished run back as pending. */
  'run:handed-back': { runId: string };
  /** Runs whose lease lapsed were recovered by this process. */
  'lease:recovered': { runs: Array<{ id: string; status: string; attempt: number }> };
  /** A loop hit a database error and backs off. */
  'db:connection:lost': { loop: string; error: string };
  'db:connection:restored': { loop: string };
  'hourglass:started': { roles: string[] };
  'hourglass:stopped': Record<string, never>;
}

export type HourglassEventName = keyof HourglassEventMap;
export type HourglassListener<E extends HourglassEventName> = (payload: HourglassEventMap[E]) => void;

export interface HourglassEvents {
  on<E extends HourglassEventName>(event: E, listener: HourglassListener<E>): () => void;
  once<E extends HourglassEventName>(event: E, listener: HourglassListener<E>): () => void;
  off<E extends HourglassEventName>(event: E, listener: HourglassListener<E>): void;
}

export interface EventBus extends HourglassEvents {
  emit<E extends HourglassEventName>(event: E, payload: HourglassEventMap[E]): void;
}

export function createEventBus(onListenerError: (event: string, error: unknown) => void): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    on(event, listener) {
      emitter.on(event, listener as (payload: unknown) => void);
      return () => emitter.off(event, listener as (payload: unknown) => void);
    },
    once(event, listener) {
      emitter.once(event, listener as (payload: unknown) => void);
      return () => emitter.off(event, listener as (payload: unknown) => void);
    },
    off(event, listener) {
      emitter.off(event, listener as (payload: unknown) => void);
    },
    emit(event, payload) {
      // Most events have no listener in most processes (a worker emits two per run): no copy then.
      if (emitter.listenerCount(event) === 0) return;
      for (const listener of emitter.listeners(event)) {
        try {
          (listener as (payload: unknown) => void)(payload);
        } catch (error) {
          onListenerError(event, error);
        }
      }
    },
  };
}
