/**
 * How a worker claims: one statement for the job types without a cluster-wide cap (under the
 * tenants' lock when `worker.tenantConcurrency` is set), then one short transaction per capped
 * job type while room is left (`db/queries/claim-runs.ts`).
 */
import { claimCappedRuns, claimRuns, claimTenantCappedRuns } from '../db/queries/claim-runs.js';
import type { JobRun } from '../model.js';
import type { Runtime } from '../runtime.js';
import { sqlNow } from '../util/clock.js';

export interface Claimer {
  /** Claims up to `wanted` runs (at most `worker.batchSize`), leased to this worker. */
  claim(wanted: number): Promise<JobRun[]>;
  /** Job types the scheduler may hand over: with a tenant cap, every claim is a cluster-wide decision. */
  adoptable: ReadonlySet<string>;
}

export function createClaimer(runtime: Runtime, workerId: string): Claimer {
  const { config } = runtime;
  const uncapped = runtime.registry.list().filter((job) => job.concurrency === null).map((job) => job.name);
  const capped = runtime.registry.list().filter((job) => job.concurrency !== null);
  const tenantCap = config.worker.tenantConcurrency ?? null;

  return {
    adoptable: new Set(tenantCap === null ? uncapped : []),
    async claim(wanted) {
      const base = { workerId, leaseMs: config.worker.leaseMs, now: sqlNow(runtime.clock) };
      const limit = Math.min(wanted, config.worker.batchSize);
      const claimed =
        tenantCap === null
          ? await claimRuns(runtime.db, runtime.schema, { ...base, limit, jobTypes: uncapped })
          : await runtime.db.transaction((tx) => claimTenantCappedRuns(tx, runtime.schema, { ...base, limit, jobTypes: uncapped, tenantCap }), { relaxedCommit: true });
      for (const job of capped) {
        const room = limit - claimed.length;
        if (room <= 0) break;
        claimed.push(
          ...(await runtime.db.transaction(
            (tx) => claimCappedRuns(tx, runtime.schema, { ...base, limit: room, jobType: job.name, cap: job.concurrency!, tenantCap }),
            { relaxedCommit: true },
          )),
        );
      }
      return claimed;
    },
  };
}
