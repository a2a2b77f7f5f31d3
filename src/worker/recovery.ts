/**
 * Lease recovery, run by every live Hourglass process (any role) on its heartbeat: runs whose
 * lease lapsed because their worker died go back to `pending` with the attempt counted, or end
 * `failed` ("worker lost") when attempts are used up, with the usual consequences (dependents
 * cancelled, schedule counters, a NOTIFY so another worker picks the run up at once).
 */
import { recoverLapsedLeases } from '../db/queries/leases.js';
import { appendLogLines } from '../db/queries/run-logs.js';
import type { Runtime } from '../runtime.js';
import { sqlNow } from '../util/clock.js';
import { settleEndedRuns } from './report.js';

export async function recoverLeases(runtime: Runtime): Promise<number> {
  const recovered = await runtime.db.transaction(async (tx) => {
    const runs = await recoverLapsedLeases(tx, runtime.schema, sqlNow(runtime.clock));
    if (runs.length === 0) return runs;
    await appendLogLines(
      tx,
      runtime.schema,
      runs.map((run) => ({
        runId: run.id,
        at: new Date(),
        level: 'warn' as const,
        message: run.status === 'pending' ? `${run.errorMessage}; handed back for another attempt` : `${run.errorMessage}; run ${run.status}`,
      })),
    );
    await settleEndedRuns(tx, runtime, runs);
    return runs;
  });
  if (recovered.length > 0) {
    runtime.logger.warn({ runs: recovered.map((run) => `${run.jobType}:${run.id}`), count: recovered.length }, 'recovered runs whose lease lapsed');
    runtime.events.emit('lease:recovered', { runs: recovered.map(({ id, status, attempt }) => ({ id, status, attempt })) });
    runtime.wakeWorker();
  }
  return recovered.length;
}
