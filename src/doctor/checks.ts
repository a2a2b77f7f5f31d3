/**
 * The decisions of `hourglass doctor`: pure functions from numbers to a finding. No database,
 * no clock reads; `doctor.ts` gathers the numbers.
 */
import type { OverdueSummary } from '../db/queries/doctor.js';

export const CheckStatus = Object.freeze({ ok: 'ok', warn: 'warn', fail: 'fail', skip: 'skip' } as const);
export type CheckStatus = (typeof CheckStatus)[keyof typeof CheckStatus];

export interface CheckResult {
  /** Stable name, e.g. `database`, `migrations`. */
  check: string;
  status: CheckStatus;
  /** One line: what was found. */
  finding: string;
  /** One line: what to do about it (empty when ok). */
  remedy: string;
}

export const CheckName = Object.freeze({
  database: 'database',
  migrations: 'migrations',
  clockSkew: 'clock-skew',
  schedulers: 'schedulers',
  workers: 'workers',
  stuckRuns: 'stuck-runs',
  lateSchedules: 'late-schedules',
  notifications: 'notifications',
} as const);

/** Skew (ms) between this machine and the database above which doctor warns / fails. */
export const CLOCK_SKEW_WARN_MS = 2_000;
export const CLOCK_SKEW_FAIL_MS = 30_000;
/** A notification delivery with more attempts than this counts as failing. */
export const DELIVERY_ATTEMPTS_WARN = 3;
/** How far back failing deliveries are counted. */
export const DELIVERY_WINDOW_MS = 24 * 3_600_000;

const ok = (check: string, finding: string): CheckResult => ({ check, status: CheckStatus.ok, finding, remedy: '' });

function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.round(hours / 24)}d`;
}

/** Checks that cannot run because an earlier one failed (the database, the schema). */
export function skipped(check: string, reason: string): CheckResult {
  return { check, status: CheckStatus.skip, finding: `not checked: ${reason}`, remedy: '' };
}

export function decideMigrations(input: { pending: readonly number[]; newestApplied: number | null; latestKnown: number }): CheckResult {
  const { pending, newestApplied, latestKnown } = input;
  if (newestApplied !== null && newestApplied > latestKnown) {
    return {
      check: CheckName.migrations,
      status: CheckStatus.fail,
      finding: `the database is at migration ${newestApplied}, newer than this Hourglass (knows up to ${latestKnown})`,
      remedy: 'upgrade Hourglass on this machine to the version that migrated the database',
    };
  }
  if (pending.length > 0) {
    const what = newestApplied === null ? 'the schema is not created' : `the database is at migration ${newestApplied}`;
    return {
      check: CheckName.migrations,
      status: CheckStatus.fail,
      finding: `${what}; ${pending.length} migration(s) pending (${pending.join(', ')})`,
      remedy: 'run `hourglass migrate` (or start Hourglass, which migrates; `hourglass migrate --print` shows the SQL)',
    };
  }
  return ok(CheckName.migrations, `up to date (migration ${latestKnown})`);
}

/** `skewMs`: database clock minus this machine's clock, round trip accounted for. */
export function decideClockSkew(skewMs: number): CheckResult {
  const size = Math.abs(skewMs);
  const direction = skewMs > 0 ? 'behind' : 'ahead of';
  const finding = `this machine's clock is ${(size / 1000).toFixed(1)}s ${direction} the database's`;
  const remedy = 'synchronise the clocks (NTP: chronyd / systemd-timesyncd) on this machine and the database server';
  if (size > CLOCK_SKEW_FAIL_MS) return { check: CheckName.clockSkew, status: CheckStatus.fail, finding, remedy };
  if (size > CLOCK_SKEW_WARN_MS) return { check: CheckName.clockSkew, status: CheckStatus.warn, finding, remedy };
  return ok(CheckName.clockSkew, size < 100 ? 'in sync (under 0.1s)' : finding);
}

export interface ProcessRow {
  role: string;
  concurrency: number;
  heartbeatAt: Date;
  hostname: string;
}

/** A scheduler: `start` (role `all`) or a process whose role names the scheduler. */
export function isScheduler(row: ProcessRow): boolean {
  return row.role === 'all' || row.role.split('+').includes('scheduler');
}

/** A worker: a process that executes runs (its concurrency is 0 when the worker is off). */
export function isWorker(row: ProcessRow): boolean {
  return row.concurrency > 0;
}

/** Live schedulers and workers among the processes not marked stopped. */
export function decideProcesses(input: { processes: readonly ProcessRow[]; now: Date; staleAfterMs: number }): CheckResult[] {
  const live = input.processes.filter((row) => input.now.getTime() - row.heartbeatAt.getTime() <= input.staleAfterMs);
  const silent = input.processes.length - live.length;
  const silentNote = silent > 0 ? `; ${silent} not stopped but silent for over ${formatAge(input.staleAfterMs)} (crashed?)` : '';
  const describe = (rows: readonly ProcessRow[]) => [...new Set(rows.map((row) => row.hostname))].join(', ');
  const schedulers = live.filter(isScheduler);
  const workers = live.filter(isWorker);
  return [
    schedulers.length > 0
      ? ok(CheckName.schedulers, `${schedulers.length} live (${describe(schedulers)})${silentNote}`)
      : {
          check: CheckName.schedulers,
          status: CheckStatus.warn,
          finding: `no live scheduler: nothing fires schedules${silentNote}`,
          remedy: 'start one: `hourglass start` or `hourglass scheduler` (or trigger `hourglass tick` from cron)',
        },
    workers.length > 0
      ? ok(CheckName.workers, `${workers.length} live, ${workers.reduce((sum, row) => sum + row.concurrency, 0)} slots (${describe(workers)})${silentNote}`)
      : {
          check: CheckName.workers,
          status: CheckStatus.warn,
          finding: `no live worker: runs wait in the queue${silentNote}`,
          remedy: 'start one: `hourglass start` or `hourglass worker`',
        },
  ];
}

export function decideStuckRuns(input: { stuck: OverdueSummary; now: Date; graceMs: number; heartbeatMs: number }): CheckResult {
  const { stuck, now } = input;
  if (stuck.count === 0) return ok(CheckName.stuckRuns, `no running run is past its lease by more than ${formatAge(input.graceMs)}`);
  const age = stuck.oldest ? formatAge(now.getTime() - stuck.oldest.getTime()) : '?';
  return {
    check: CheckName.stuckRuns,
    status: CheckStatus.warn,
    finding: `${stuck.count} running run(s) past their lease; the oldest (${stuck.oldestLabel ?? '?'}) lapsed ${age} ago`,
    remedy: `any live Hourglass process recovers lapsed leases every ${formatAge(input.heartbeatMs)}: start one, or run \`hourglass tick\` once`,
  };
}

export function decideLateSchedules(input: { late: OverdueSummary; now: Date; lateToleranceMs: number }): CheckResult {
  const { late, now } = input;
  if (late.count === 0) return ok(CheckName.lateSchedules, `no active schedule is late by more than ${formatAge(input.lateToleranceMs)}`);
  const age = late.oldest ? formatAge(now.getTime() - late.oldest.getTime()) : '?';
  return {
    check: CheckName.lateSchedules,
    status: CheckStatus.warn,
    finding: `${late.count} active schedule(s) past their next_run_at; the oldest ("${late.oldestLabel ?? '?'}") by ${age}: no scheduler is firing them`,
    remedy: 'start a scheduler (`hourglass start` or `hourglass scheduler`) or run `hourglass tick`; slots older than scheduler.lateToleranceMs follow each schedule\'s missed-run policy',
  };
}

export function decideDeliveries(failing: OverdueSummary): CheckResult {
  if (failing.count === 0) return ok(CheckName.notifications, 'no failing notification delivery in the last 24h');
  return {
    check: CheckName.notifications,
    status: CheckStatus.warn,
    finding: `${failing.count} notification delivery(ies) failed or retried over ${DELIVERY_ATTEMPTS_WARN} times in the last 24h; latest: ${failing.oldestLabel ?? '?'}`,
    remedy: 'check the channel settings in config (URLs, SMTP credentials) and that the receiver answers; see notification_deliveries.last_error',
  };
}

/** The exit code of `hourglass doctor`: 1 when any check failed; warnings alone are 0. */
export function doctorExitCode(results: readonly CheckResult[]): number {
  return results.some((result) => result.status === CheckStatus.fail) ? 1 : 0;
}
