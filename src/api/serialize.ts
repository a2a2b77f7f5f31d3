/**
 * Domain → wire: one function per entity, snake_case keys and ISO instants. User data inside
 * an entity (payloads, metadata, results, metrics, audit snapshots) is passed through as it is:
 * its keys belong to the user. Wire → domain for request bodies is `bodyToInput`.
 */
import type { JobRun, JobRunLog, ScheduledJob, WorkerRecord } from '../model.js';
import type { ApiToken } from '../db/queries/api-tokens.js';
import type { FireResult } from '../services/fire-schedule.js';
import { camelCase, snakeCase } from '../util/case.js';
import { type ApiTokenWire, type FiringWire, type JobRunLogWire, type JobRunWire, type PageWire, type ScheduledJobWire, type Wire, type WireDeep, type WorkerWire } from './wire.js';

/** Top-level keys to snake_case, Dates to ISO strings; nested values untouched. */
export function toWire<T extends object>(value: T): Wire<T> {
  const wire: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) wire[snakeCase(key)] = field instanceof Date ? field.toISOString() : field;
  return wire as Wire<T>;
}

/** A request body's top-level keys to camelCase for the services (nested user data untouched). */
export function bodyToInput(body: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) input[camelCase(key)] = value;
  return input;
}

export function serializeSchedule(schedule: ScheduledJob, nextRuns?: Date[]): ScheduledJobWire {
  return {
    ...toWire(schedule),
    is_active: schedule.status === 'active',
    ...(nextRuns ? { next_runs: nextRuns.map((slot) => slot.toISOString()) } : {}),
  };
}

export const serializeRun = (run: JobRun): JobRunWire => toWire(run);
export const serializeLog = (line: JobRunLog): JobRunLogWire => toWire(line);

/** A trigger's or backfill's answer: the counts and the runs it planned. */
export const serializeFiring = (result: FireResult): FiringWire => ({ fired: result.fired, skipped: result.skipped, runs: result.runs.map((run) => toWire(run)) });
export const serializeToken = (token: ApiToken): ApiTokenWire => toWire(token);

export function serializeWorker(worker: WorkerRecord, now: Date, staleAfterMs: number): WorkerWire {
  return { ...toWire(worker), alive: worker.stoppedAt === null && now.getTime() - worker.heartbeatAt.getTime() <= staleAfterMs };
}

export function serializePage<T, W>(page: { items: T[]; nextCursor: string | null }, serialize: (item: T) => W): PageWire<W> {
  return { items: page.items.map(serialize), next_cursor: page.nextCursor };
}

/** Every key to snake_case at every depth: only for Hourglass's own report shapes (no user data). */
function toWireDeep<T>(value: T): WireDeep<T> {
  if (value instanceof Date) return value.toISOString() as WireDeep<T>;
  if (Array.isArray(value)) return value.map(toWireDeep) as WireDeep<T>;
  if (value === null || typeof value !== 'object') return value as WireDeep<T>;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [snakeCase(key), toWireDeep(field)])) as WireDeep<T>;
}

/** The dashboard and a schedule's stats: report shapes, plus runs (whose payloads are user data). */
export function serializeStats<T extends { recentFailures: JobRun[] }>(stats: T): WireDeep<Omit<T, 'recentFailures'>> & { recent_failures: JobRunWire[] } {
  const { recentFailures, ...report } = stats;
  return { ...(toWireDeep(report) as object), recent_failures: recentFailures.map(serializeRun) } as WireDeep<Omit<T, 'recentFailures'>> & { recent_failures: JobRunWire[] };
}
