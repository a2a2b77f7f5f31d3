/**
 * The child side of a trial: read the spec, run the measurement, send the result to the
 * orchestrator and exit. Exiting explicitly matters: the peers' pools and timers may keep a
 * process alive after their `stop()`, and the orchestrator waits for the exit.
 */
import pg from 'pg';
import type { TrialMessage, TrialResult, TrialSpec } from './trial.ts';

export function readTrialSpec(): TrialSpec {
  const raw = process.env.BENCH_TRIAL;
  if (!raw || !process.send) throw new Error('a trial runs as a child of bench/run.ts (BENCH_TRIAL and an IPC channel are missing)');
  return JSON.parse(raw) as TrialSpec;
}

function send(message: TrialMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())));
}

/** Runs a trial's body with its spec; sends the result and exits 0, or prints the error and exits 1. */
export async function runTrial(body: (spec: TrialSpec) => Promise<TrialResult>): Promise<void> {
  try {
    const result = await body(readTrialSpec());
    await send({ type: 'result', result });
    process.exit(0);
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A count query (`select count(*)::int as n ...`) on the trial's own PostgreSQL connection. */
export type CountProbe = (sql: string, params?: unknown[]) => Promise<number>;

/** A probe on a separate PostgreSQL connection, so the polling never queues behind the system's pool. */
export async function openPostgresProbe(databaseUrl: string): Promise<{ probe: CountProbe; close: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench-probe' });
  await client.connect();
  return {
    probe: async (sql, params) => Number((await client.query<{ n: number }>(sql, params as unknown[])).rows[0]!.n),
    close: () => client.end(),
  };
}

/** Pause between two completion counts: one count every 20 ms plus the query's own time. */
export const PROBE_INTERVAL_MS = 20;

/**
 * Polls `count` every PROBE_INTERVAL_MS until it reaches `target`; resolves with
 * `performance.now()` at the poll that saw it. Rejects after `timeoutMs` with the last count.
 */
export async function waitForCount(count: () => Promise<number>, target: number, timeoutMs: number): Promise<number> {
  let last = -1;
  return pollUntil(async () => (last = await count()) >= target, timeoutMs, () => `${target} (last count ${last})`);
}

/**
 * Polls `done` every PROBE_INTERVAL_MS until it answers true; resolves with `performance.now()`
 * at the poll that did. Rejects after `timeoutMs`, saying what it waited for.
 */
export async function pollUntil(done: () => Promise<boolean>, timeoutMs: number, what: () => string): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const finished = await done();
    const now = performance.now();
    if (finished) return now;
    if (now > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(PROBE_INTERVAL_MS);
  }
}

/** Waits for an in-process condition (handler starts, samples), checking every `everyMs`. */
export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
