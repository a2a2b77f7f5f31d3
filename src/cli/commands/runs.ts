/**
 * `hourglass runs ls|show|logs|cancel|retry|prune`: the operator's verbs on runs over the services
 * layer, as tables for people and `--json` for scripts. The actor in the audit log is
 * `cli:<os user>`.
 *
 * `runs logs RUN_ID -f` follows the log: it polls for new lines every 500 ms until the run has
 * finished (completed, failed, cancelled or skipped), then exits 0; Ctrl-C also exits 0. On the
 * embedded database nothing else can move a run on while this command holds the files, so there
 * `-f` prints the lines so far and, for an unfinished run, exits 1 saying so. With
 * `--json`, plain `logs` prints one array, `logs -f` one JSON object per line (NDJSON).
 */
import type { Hourglass } from '../../hourglass.js';
import { finishedRunStatuses, RunStatus, type JobRunLog } from '../../model.js';
import type { Actor } from '../../services/actor.js';
import { serializeLog, serializeRun } from '../../api/serialize.js';
import { sleep } from '../../util/sleep.js';
import { pruneRuns, type PruneReport } from '../../retention/prune-runs.js';
import type { Command, CommandContext } from './index.js';
import { assertFlagsFor, assertNoExtraArguments, requireArgument, requireVerb, usageError, withHourglass } from './with-hourglass.js';

type Run = Awaited<ReturnType<Hourglass['runs']['get']>>;

/** How often `logs -f` asks for new lines. */
export const FOLLOW_POLL_MS = 500;
/** Lines asked for per query (the service's page size). */
const LOG_PAGE = 1000;

const runColumns = ['id', 'job_type', 'status', 'trigger', 'attempt', 'scheduled_for', 'started_at', 'finished_at', 'error_message'];

function runRow(run: Run) {
  return {
    id: run.id,
    job_type: run.jobType,
    status: run.status,
    trigger: run.trigger,
    attempt: `${run.attempt}/${run.maxAttempts}`,
    scheduled_for: run.scheduledFor,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    error_message: run.errorMessage,
  };
}

const verbFlags: Record<string, readonly string[]> = {
  ls: ['status', 'job-type', 'schedule', 'limit'],
  show: [],
  logs: ['follow'],
  cancel: [],
  retry: [],
  prune: ['dry-run'],
};
const verbs = Object.keys(verbFlags);

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 50;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > 500) throw usageError(`--limit: expected a whole number from 1 to 500, got "${raw}"`, 'limit');
  return limit;
}

function parseStatus(raw: string | undefined): RunStatus | undefined {
  const statuses = Object.values(RunStatus);
  if (raw !== undefined && !statuses.includes(raw as RunStatus)) throw usageError(`--status: expected ${statuses.join(', ')}, got "${raw}"`, 'status');
  return raw as RunStatus | undefined;
}

/** Every line after `afterId`, page by page. */
async function readLines(hourglass: Hourglass, id: string, afterId: number, actor: Actor): Promise<JobRunLog[]> {
  const all: JobRunLog[] = [];
  for (;;) {
    const lines = await hourglass.runs.logs(id, { afterId, limit: LOG_PAGE }, actor);
    all.push(...lines);
    afterId = lines.at(-1)?.id ?? afterId;
    if (lines.length < LOG_PAGE) return all;
  }
}

/**
 * Prints a run's log lines; with `follow`, keeps printing new ones until the run has finished
 * or the user interrupts (SIGINT / SIGTERM), both exit 0.
 */
async function printLogs(hourglass: Hourglass, id: string, actor: Actor, context: CommandContext, follow: boolean): Promise<number> {
  const { output, json } = context;
  const print = (line: JobRunLog) => (json ? output.line(JSON.stringify(serializeLog(line))) : output.line(`${line.at.toISOString()} ${line.level.padEnd(5)} ${line.message}`));
  if (!follow) {
    const lines = await readLines(hourglass, id, 0, actor);
    if (json) output.json(lines.map(serializeLog));
    else lines.forEach(print);
    return 0;
  }

  const interrupted = new AbortController();
  const onSignal = () => interrupted.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let afterId = 0;
    let announced = false;
    while (!interrupted.signal.aborted) {
      // The status first: a run that had finished before its lines were read has no more to come.
      const finished = finishedRunStatuses.includes((await hourglass.runs.get(id, actor)).status);
      const lines = await readLines(hourglass, id, afterId, actor);
      lines.forEach(print);
      afterId = lines.at(-1)?.id ?? afterId;
      if (finished) break;
      if (!hourglass.config.databaseUrl) {
        // This command holds the embedded database, so no worker can move the run on.
        output.error(`run ${id} has not finished, and nothing can run it while this command holds the embedded database: start Hourglass and follow the run in the console, or use PostgreSQL`);
        return 1;
      }
      if (!announced) {
        // On stderr: stdout carries the log lines only.
        output.error(`following run ${id} until it finishes (Ctrl-C stops)`);
        announced = true;
      }
      await sleep(FOLLOW_POLL_MS, interrupted.signal);
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `runs prune`: counts by status and by schedule, for people or as JSON. Exit 1 when another process holds the pruner's lock. */
function printPruneReport(report: PruneReport, context: CommandContext): number {
  const { output, json } = context;
  if (json) {
    output.json({
      dry_run: report.dryRun,
      locked: report.locked,
      total: report.total,
      by_status: report.byStatus,
      by_schedule: report.bySchedule.map((entry) => ({ scheduled_job_id: entry.scheduledJobId, schedule_name: entry.scheduleName, count: entry.count })),
      oldest_finished_at: report.oldestFinishedAt,
      newest_finished_at: report.newestFinishedAt,
      batches: report.batches,
    });
  } else if (report.locked) {
    output.error('another process is pruning right now; nothing was deleted');
  } else {
    output.line(`${report.dryRun ? 'would delete' : 'deleted'} ${report.total} run(s)${report.total > 0 ? `, finished ${report.oldestFinishedAt!.toISOString()} to ${report.newestFinishedAt!.toISOString()}` : ''}`);
    if (report.total > 0) {
      output.table(Object.entries(report.byStatus).map(([status, count]) => ({ status, count })), ['status', 'count']);
      output.table(report.bySchedule.map((entry) => ({ schedule: entry.scheduleName ?? '(no schedule)', scheduled_job_id: entry.scheduledJobId ?? '', count: entry.count })), ['schedule', 'scheduled_job_id', 'count']);
    }
  }
  return report.locked ? 1 : 0;
}

export const runsCommand: Command = {
  summary: 'list and steer runs (ls, show, logs [-f], cancel, retry, prune)',
  usage: [
    'Usage: hourglass runs <verb> [RUN_ID] [options]',
    '',
    '  ls [--status S] [--job-type T] [--schedule SCHEDULE_ID] [--limit N]',
    '  show RUN_ID',
    '  logs RUN_ID [-f|--follow]   -f: print new lines until the run finishes (Ctrl-C stops)',
    '  cancel | retry  RUN_ID',
    '  prune [--dry-run]           delete the finished runs retention no longer keeps (--dry-run: only show them)',
    '  --json     machine-readable output (logs -f: one JSON object per line)',
    '',
    'Exit codes: 0 ok, 1 failure, 2 bad input, 3 not found.',
  ].join('\n'),
  options: {
    status: { type: 'string' },
    'job-type': { type: 'string' },
    schedule: { type: 'string' },
    limit: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
    'dry-run': { type: 'boolean' },
  },
  async run(context) {
    const { positionals, values, output, json } = context;
    const verb = requireVerb(positionals, verbs);
    assertFlagsFor(verb, values, verbFlags[verb]!);
    if (verb === 'ls') {
      assertNoExtraArguments(positionals, 1);
      const options = { status: parseStatus(values.status as string | undefined), jobType: values['job-type'] as string | undefined, scheduledJobId: values.schedule as string | undefined, limit: parseLimit(values.limit as string | undefined) };
      return withHourglass(context, async (hourglass, actor) => {
        const page = await hourglass.runs.list(options, actor);
        if (json) output.json(page.items.map(serializeRun));
        else output.table(page.items.map(runRow), runColumns);
        return 0;
      });
    }
    if (verb === 'prune') {
      assertNoExtraArguments(positionals, 1);
      return withHourglass(context, async (hourglass) => printPruneReport(await pruneRuns(hourglass, { dryRun: values['dry-run'] === true }), context));
    }
    const id = requireArgument(positionals, 1, 'a run id', 'id');
    assertNoExtraArguments(positionals, 2);
    return withHourglass(context, async (hourglass, actor) => {
      if (verb === 'logs') return printLogs(hourglass, id, actor, context, values.follow === true);
      const actions: Record<string, () => Promise<Run>> = {
        show: () => hourglass.runs.get(id, actor),
        cancel: () => hourglass.runs.cancel(id, actor),
        retry: () => hourglass.runs.retry(id, actor),
      };
      const run = await actions[verb]!();
      if (json) output.json(serializeRun(run));
      else output.table([runRow(run)], runColumns);
      return 0;
    });
  },
};
