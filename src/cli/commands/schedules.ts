/**
 * `hourglass schedules ls|show|pause|resume|enable|disable|trigger|rm` and
 * `hourglass runs ls|show|logs|cancel|retry`: the operator's verbs over the services layer,
 * as tables for people and `--json` for scripts. The actor in the audit log is `cli:<user>`.
 */
import { userInfo } from 'node:os';
import { loadConfig } from '../../config/load.js';
import { createHourglass, type Hourglass } from '../../hourglass.js';
import { ErrorCode, HourglassError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import type { Actor } from '../../services/actor.js';
import type { Command, CommandContext } from './index.js';

async function withHourglass<T>(context: CommandContext, fn: (hourglass: Hourglass, actor: Actor) => Promise<T>): Promise<T> {
  const { config } = await loadConfig({ configPath: context.configPath, overrides: { scheduler: { enabled: false }, worker: { enabled: false } } });
  const hourglass = createHourglass(config, { role: 'cli', logger: createLogger({ level: 'warn', destination: 2 }) });
  try {
    return await fn(hourglass, { name: `cli:${userInfo().username}` });
  } finally {
    await hourglass.stop();
  }
}

function requireArgument(positionals: string[], index: number, what: string): string {
  const value = positionals[index];
  if (!value) throw new HourglassError(ErrorCode.validationError, `expected ${what}`, { field: what });
  return value;
}

const scheduleColumns = ['key', 'name', 'status', 'cron_or_interval', 'timezone', 'next_run_at', 'last_status', 'run_count', 'id'];

function scheduleRow(schedule: Awaited<ReturnType<Hourglass['schedules']['get']>>) {
  return {
    ...schedule,
    cron_or_interval: schedule.cronExpression ?? (schedule.intervalSeconds ? `every ${schedule.intervalSeconds}s` : `once ${schedule.runAt?.toISOString()}`),
    next_run_at: schedule.nextRunAt,
    last_status: schedule.lastStatus,
    run_count: schedule.runCount,
  };
}

export const schedulesCommand: Command = {
  summary: 'list and steer schedules (ls, show, pause, resume, enable, disable, trigger, rm)',
  usage: [
    'Usage: hourglass schedules <verb> [ID|KEY] [options]',
    '',
    '  ls [--status S] [--search TEXT]   list schedules',
    '  show ID|KEY                      one schedule',
    '  pause ID|KEY [--note TEXT] [--until ISO]',
    '  resume | enable | disable | trigger | rm  ID|KEY',
    '  --json                           machine-readable output',
  ].join('\n'),
  options: { status: { type: 'string' }, search: { type: 'string' }, note: { type: 'string' }, until: { type: 'string' } },
  run: (context) =>
    withHourglass(context, async (hourglass, actor) => {
      const { positionals, values, output, json } = context;
      const verb = requireArgument(positionals, 0, 'a verb: ls, show, pause, resume, enable, disable, trigger or rm');
      const print = (value: unknown, rows: Record<string, unknown>[]) => (json ? output.json(value) : output.table(rows, scheduleColumns));
      if (verb === 'ls') {
        const page = await hourglass.schedules.list({ status: values.status as never, search: values.search as string | undefined, limit: 500 }, actor);
        print(page.items, page.items.map(scheduleRow));
        return 0;
      }
      const id = requireArgument(positionals, 1, 'a schedule id or key');
      const schedules = hourglass.schedules;
      const actions: Record<string, () => Promise<unknown>> = {
        show: () => schedules.get(id, actor),
        pause: () => schedules.pause(id, { note: values.note as string | undefined, until: values.until as string | undefined }, actor),
        resume: () => schedules.resume(id, actor),
        enable: () => schedules.enable(id, actor),
        disable: () => schedules.disable(id, actor),
        trigger: () => schedules.trigger(id, {}, actor),
        rm: () => schedules.delete(id, actor).then(() => ({ deleted: id })),
      };
      const action = actions[verb];
      if (!action) throw new HourglassError(ErrorCode.validationError, `unknown verb "${verb}": expected ls, ${Object.keys(actions).join(', ')}`);
      const result = await action();
      if (json || verb === 'rm' || verb === 'trigger') output.json(result);
      else print(result, [scheduleRow(result as never)]);
      return 0;
    }),
};

const runColumns = ['id', 'job_type', 'status', 'trigger', 'attempt', 'scheduled_for', 'started_at', 'finished_at', 'error_message'];

function runRow(run: Awaited<ReturnType<Hourglass['runs']['get']>>) {
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

export const runsCommand: Command = {
  summary: 'list and steer runs (ls, show, logs, cancel, retry)',
  usage: [
    'Usage: hourglass runs <verb> [RUN_ID] [options]',
    '',
    '  ls [--status S] [--job-type T] [--schedule ID] [--limit N]',
    '  show | logs | cancel | retry  RUN_ID',
    '  --json                           machine-readable output',
  ].join('\n'),
  options: { status: { type: 'string' }, 'job-type': { type: 'string' }, schedule: { type: 'string' }, limit: { type: 'string' } },
  run: (context) =>
    withHourglass(context, async (hourglass, actor) => {
      const { positionals, values, output, json } = context;
      const verb = requireArgument(positionals, 0, 'a verb: ls, show, logs, cancel or retry');
      if (verb === 'ls') {
        const limit = values.limit === undefined ? 50 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HourglassError(ErrorCode.validationError, '--limit: expected a whole number from 1 to 500', { field: 'limit' });
        const page = await hourglass.runs.list({ status: values.status as string | undefined, jobType: values['job-type'] as string | undefined, scheduledJobId: values.schedule as string | undefined, limit }, actor);
        if (json) output.json(page.items);
        else output.table(page.items.map(runRow), runColumns);
        return 0;
      }
      const id = requireArgument(positionals, 1, 'a run id');
      if (verb === 'logs') {
        const lines = await hourglass.runs.logs(id, {}, actor);
        if (json) output.json(lines);
        else for (const line of lines) output.line(`${line.at.toISOString()} ${line.level.padEnd(5)} ${line.message}`);
        return 0;
      }
      const actions: Record<string, () => Promise<Awaited<ReturnType<Hourglass['runs']['get']>>>> = {
        show: () => hourglass.runs.get(id, actor),
        cancel: () => hourglass.runs.cancel(id, actor),
        retry: () => hourglass.runs.retry(id, actor),
      };
      const action = actions[verb];
      if (!action) throw new HourglassError(ErrorCode.validationError, `unknown verb "${verb}": expected ls, logs, ${Object.keys(actions).join(', ')}`);
      const run = await action();
      if (json) output.json(run);
      else output.table([runRow(run)], runColumns);
      return 0;
    }),
};
