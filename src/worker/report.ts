/**
 * Writing the ends of runs, in one transaction each batch: the outcome, the run's remaining
 * log lines (plus a line per failed attempt, so every attempt's error stays readable), the
 * cancellation of dependents of failed or cancelled runs, the schedule counters, and a NOTIFY
 * when runs may have become claimable (a retry, dependents whose dependency completed, runs
 * queued behind one that ended, runs held back by a cluster-wide cap).
 *
 * `settleEndedRuns` is shared with lease recovery, which ends runs without a worker.
 */
import type { Queryable } from '../db/database.js';
import { cancelDependents, recordOutcomes, updateScheduleCounters, type FinishedRun, type RunOutcomeRecord } from '../db/queries/finish-runs.js';
import { appendLogLines, type LogLine } from '../db/queries/run-logs.js';
import { Notification, runsNotifications, type Runtime } from '../runtime.js';
import { sqlNow } from '../util/clock.js';

export interface ReportItem {
  record: RunOutcomeRecord;
  attempt: number;
  lines: LogLine[];
  /** The run belongs to a schedule, whose counters its end updates. */
  scheduled: boolean;
  /**
   * Its end may make other runs claimable: it belongs to a batch (dependents) or a schedule
   * (runs queued behind it), or its job type or tenant is under a cluster-wide cap. The end of
   * any other run tells no worker anything, so it sends no NOTIFY: idle workers would only
   * claim and find nothing.
   */
  unblocks: boolean;
}

/** An outcome that needs nothing but its own row: a completion without logs or schedule. */
const standsAlone = (item: ReportItem) => item.record.status === 'completed' && item.lines.length === 0 && !item.scheduled;

/** `unblocks`: whether the ends may make other runs claimable (see `ReportItem`); lease recovery does not know, so it assumes so. */
export async function settleEndedRuns(tx: Queryable, runtime: Runtime, ended: readonly FinishedRun[], unblocks = true): Promise<{ autoPaused: string[] }> {
  const { schema } = runtime;
  const now = sqlNow(runtime.clock);
  const doomed = ended.filter((run) => run.status === 'failed' || run.status === 'cancelled').map((run) => run.id);
  await cancelDependents(tx, schema, doomed, now);
  const counters = await updateScheduleCounters(tx, schema, ended, now);
  // Ends may make runs claimable now (`unblocks`), and retries (pending) after their backoff:
  // idle workers wake at the earliest.
  if (ended.length > 0) {
    const retries = ended.filter((run) => run.status === 'pending' && run.runAfter).map((run) => run.runAfter!);
    const payloads = new Set([...(unblocks ? [Notification.runs] : []), ...runsNotifications(retries, now)]);
    if (payloads.size > 0) await tx.query('select pg_notify($1, payload) from unnest($2::text[]) as payload', [schema.channel, [...payloads]]);
  }
  return { autoPaused: counters.filter((row) => row.auto_paused).map((row) => row.id) };
}

/**
 * A batch of completions without logs or schedules (the common end of a busy worker's runs)
 * is one statement, the outcomes and their NOTIFY together; any other batch is a transaction
 * of up to five. Per batch of 1,000 that was one round trip instead of four, each of which
 * waited for the worker's event loop.
 */
export async function reportOutcomes(runtime: Runtime, items: readonly ReportItem[]) {
  const now = sqlNow(runtime.clock);
  const unblocks = items.some((item) => item.unblocks);
  if (items.every(standsAlone)) {
    const notify = unblocks ? { channel: runtime.schema.channel, payload: Notification.runs } : undefined;
    const finished = await recordOutcomes(runtime.db, runtime.schema, items.map((item) => item.record), now, notify);
    return { finished, autoPaused: [] };
  }
  return runtime.db.transaction(async (tx) => {
    const finished = await recordOutcomes(tx, runtime.schema, items.map((item) => item.record), now);
    const accepted = new Map(finished.map((run) => [run.id, run] as const));
    const lines: LogLine[] = [];
    for (const item of items) {
      lines.push(...item.lines);
      if (accepted.has(item.record.id) && item.record.errorMessage && item.record.status !== 'completed') {
        const retry = item.record.status === 'pending' ? `; retrying after ${accepted.get(item.record.id)!.runAfter?.toISOString()}` : '';
        lines.push({ runId: item.record.id, at: new Date(), level: 'error', message: `attempt ${item.attempt} ${item.record.status === 'cancelled' ? 'cancelled' : 'failed'}: ${item.record.errorMessage}${retry}` });
      }
    }
    await appendLogLines(tx, runtime.schema, lines);
    const { autoPaused } = await settleEndedRuns(tx, runtime, finished, unblocks);
    return { finished, autoPaused };
  });
}
