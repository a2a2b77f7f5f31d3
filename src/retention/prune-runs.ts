/**
 * One retention pass: deletes the finished runs that `config.retention` no longer keeps, in
 * batches of `batchSize` (one short transaction each), or, as a dry run, reports what such a
 * pass would delete now without deleting anything. The rules live in
 * `db/queries/retention.ts`; the loop that repeats passes is `retention/pruner.ts`.
 *
 * One pruner at a time: on PostgreSQL a pass first opens a transaction holding the schema's
 * retention advisory lock (`pg_try_advisory_xact_lock`) and keeps it open, idle, while its
 * batches commit on other connections; a second pass that cannot take the lock returns at once
 * with `locked: true`. The lock goes with the holder's connection, so a crashed pruner never
 * blocks the next one. PGlite is one process and one connection, so it needs no lock (and a
 * transaction inside another would wait for itself there).
 *
 * A dry run takes no lock and deletes nothing; a real pass right after it with the same clock
 * deletes the same runs (barring runs finishing or being deleted in between).
 */
import type { Hourglass } from '../hourglass.js';
import type { Runtime } from '../runtime.js';
import type { RunStatus } from '../model.js';
import { countDueRuns, deleteDueRuns, tryRetentionLock, type PrunedRunGroup, type PrunedRunRow } from '../db/queries/retention.js';
import { DatabaseKind } from '../db/database.js';
import { sqlNow } from '../util/clock.js';

export interface PruneRunsOptions {
  /** Report what would be deleted without deleting. @default false */
  dryRun?: boolean;
  /** Runs per delete statement. @default config.retention.batchSize */
  batchSize?: number;
}

export interface PruneScheduleCount {
  scheduledJobId: string | null;
  scheduleName: string | null;
  count: number;
}

export interface PruneReport {
  dryRun: boolean;
  /** Another process held the pruner's lock: nothing was done. */
  locked: boolean;
  /** Runs deleted (or, in a dry run, that would be). */
  total: number;
  byStatus: Partial<Record<RunStatus, number>>;
  /** Per schedule, most runs first; `scheduledJobId` null counts runs without a schedule. */
  bySchedule: PruneScheduleCount[];
  oldestFinishedAt: Date | null;
  newestFinishedAt: Date | null;
  /** Delete statements run (0 in a dry run). */
  batches: number;
}

/** Folds deleted rows into groups by status and schedule, so a large pass keeps no row list. */
function addToGroups(groups: Map<string, PrunedRunGroup>, rows: readonly PrunedRunRow[]): void {
  for (const row of rows) {
    const key = `${row.status}:${row.scheduledJobId ?? ''}`;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { status: row.status, scheduledJobId: row.scheduledJobId, scheduleName: row.scheduleName, count: 1, oldestFinishedAt: row.finishedAt, newestFinishedAt: row.finishedAt });
      continue;
    }
    group.count += 1;
    if (row.finishedAt < group.oldestFinishedAt) group.oldestFinishedAt = row.finishedAt;
    if (row.finishedAt > group.newestFinishedAt) group.newestFinishedAt = row.finishedAt;
  }
}

/** Pure: the report over the runs (grouped by status and schedule) a pass deleted or would delete. */
export function summarizePrunedRuns(groups: readonly PrunedRunGroup[], fields: { dryRun: boolean; locked?: boolean; batches?: number }): PruneReport {
  const byStatus: Partial<Record<RunStatus, number>> = {};
  const bySchedule = new Map<string | null, PruneScheduleCount>();
  let oldest: Date | null = null;
  let newest: Date | null = null;
  let total = 0;
  for (const group of groups) {
    total += group.count;
    byStatus[group.status] = (byStatus[group.status] ?? 0) + group.count;
    const entry = bySchedule.get(group.scheduledJobId) ?? { scheduledJobId: group.scheduledJobId, scheduleName: group.scheduleName, count: 0 };
    entry.count += group.count;
    bySchedule.set(group.scheduledJobId, entry);
    if (!oldest || group.oldestFinishedAt < oldest) oldest = group.oldestFinishedAt;
    if (!newest || group.newestFinishedAt > newest) newest = group.newestFinishedAt;
  }
  return {
    dryRun: fields.dryRun,
    locked: fields.locked ?? false,
    total,
    byStatus,
    bySchedule: [...bySchedule.values()].sort((a, b) => b.count - a.count || String(a.scheduleName).localeCompare(String(b.scheduleName))),
    oldestFinishedAt: oldest,
    newestFinishedAt: newest,
    batches: fields.batches ?? 0,
  };
}

/** Deletes batch after batch until a batch comes back short. */
async function deleteAllDue(runtime: Runtime, batchSize: number): Promise<{ rows: PrunedRunGroup[]; batches: number }> {
  const { db, schema, config, clock } = runtime;
  const groups = new Map<string, PrunedRunGroup>();
  let batches = 0;
  for (;;) {
    const deleted = await db.transaction((tx) => deleteDueRuns(tx, schema, sqlNow(clock), { ...config.retention, limit: batchSize }));
    batches += 1;
    addToGroups(groups, deleted);
    if (deleted.length < batchSize) return { rows: [...groups.values()], batches };
  }
}

async function runtimeOf(target: Hourglass | Runtime): Promise<Runtime> {
  return 'ready' in target ? target.ready() : target;
}

/**
 * One retention pass now (see the module header). Usable from the library:
 * `await pruneRuns(hourglass, { dryRun: true })`.
 */
export async function pruneRuns(target: Hourglass | Runtime, options: PruneRunsOptions = {}): Promise<PruneReport> {
  const runtime = await runtimeOf(target);
  const { db, schema, config, clock } = runtime;
  if (options.dryRun) return summarizePrunedRuns(await countDueRuns(db, schema, sqlNow(clock), config.retention), { dryRun: true });
  const batchSize = options.batchSize ?? config.retention.batchSize;
  if (db.kind === DatabaseKind.pglite) {
    const { rows, batches } = await deleteAllDue(runtime, batchSize);
    return summarizePrunedRuns(rows, { dryRun: false, batches });
  }
  return db.transaction(async (lockTx) => {
    if (!(await tryRetentionLock(lockTx, schema))) return summarizePrunedRuns([], { dryRun: false, locked: true });
    const { rows, batches } = await deleteAllDue(runtime, batchSize);
    return summarizePrunedRuns(rows, { dryRun: false, batches });
  });
}
