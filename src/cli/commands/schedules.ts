/**
 * `hourglass schedules ls|show|create|pause|resume|enable|disable|trigger|rm`: the operator's
 * verbs on schedules over the services layer, as tables for people and `--json` for scripts.
 * The actor in the audit log is `cli:<os user>`.
 *
 * `create` takes flags, or `--file schedule.json` (`-` for stdin) with the REST API's body in
 * snake_case, validated by the API's own schema. Bad input exits 2 naming the field (and the
 * flag it came from).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Hourglass } from '../../hourglass.js';
import { isHourglassError, HourglassError } from '../../errors.js';
import type { Actor } from '../../services/actor.js';
import { parseWith, type ScheduleInput } from '../../services/schedule-input.js';
import { ScheduleStatus } from '../../model.js';
import { scheduleCreateBody } from '../../api/wire.js';
import { bodyToInput, serializeFiring, serializeSchedule } from '../../api/serialize.js';
import type { Command, CommandContext } from './index.js';
import { assertFlagsFor, assertNoExtraArguments, requireArgument, requireVerb, usageError, withHourglass } from './with-hourglass.js';

type Schedule = Awaited<ReturnType<Hourglass['schedules']['get']>>;

const scheduleColumns = ['key', 'name', 'status', 'cron_or_interval', 'timezone', 'next_run_at', 'last_status', 'run_count', 'id'];

function scheduleRow(schedule: Schedule) {
  return {
    ...schedule,
    cron_or_interval: schedule.cronExpression ?? (schedule.intervalSeconds ? `every ${schedule.intervalSeconds}s` : `once ${schedule.runAt?.toISOString()}`),
    next_run_at: schedule.nextRunAt,
    last_status: schedule.lastStatus,
    run_count: schedule.runCount,
  };
}

/** The flags of `create`, by the input field (snake_case, as errors name it) they set. */
const createFlags = {
  name: 'name',
  key: 'key',
  'job-type': 'job_type',
  'job-group': 'job_group',
  'job-types': 'job_types',
  'all-jobs': 'execution_mode',
  cron: 'cron_expression',
  every: 'interval_seconds',
  at: 'run_at',
  tz: 'timezone',
  tenant: 'tenant_id',
  payload: 'payload',
  inactive: 'status',
  'missed-run-policy': 'missed_run_policy',
  'overlap-policy': 'overlap_policy',
} as const;
type CreateFlag = keyof typeof createFlags;

const isoInstant = z.iso.datetime({ offset: true });

const flagByField = new Map<string, string>(Object.entries(createFlags).map(([flag, field]) => [field, flag]));

const verbFlags: Record<string, readonly string[]> = {
  ls: ['status', 'search'],
  show: [],
  create: [...Object.keys(createFlags), 'file'],
  pause: ['note', 'until'],
  resume: [],
  enable: [],
  disable: [],
  trigger: [],
  rm: [],
};
const verbs = Object.keys(verbFlags);

/** At most one of `flags` given; returns it. */
function oneOf(values: CommandContext['values'], flags: readonly CreateFlag[], field: string, what: string): CreateFlag | undefined {
  const given = flags.filter((flag) => values[flag] !== undefined);
  if (given.length > 1) throw usageError(`${field}: give one of ${flags.map((flag) => `--${flag}`).join(', ')} (${what}), not ${given.map((flag) => `--${flag}`).join(' and ')}`, field);
  return given[0];
}

function parseJsonFlag(raw: string, field: string, flag: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw usageError(`${field} (--${flag}): expected JSON, ${(error as Error).message}`, field);
  }
}

/** The service input from `create`'s flags. */
export function inputFromFlags(values: CommandContext['values']): ScheduleInput {
  const text = (flag: CreateFlag) => values[flag] as string | undefined;
  const input: Record<string, unknown> = {};
  if (text('name') !== undefined) input.name = text('name');
  if (text('key') !== undefined) input.key = text('key');
  if (text('tenant') !== undefined) input.tenantId = text('tenant');
  if (text('tz') !== undefined) input.timezone = text('tz');
  if (text('missed-run-policy') !== undefined) input.missedRunPolicy = text('missed-run-policy');
  if (text('overlap-policy') !== undefined) input.overlapPolicy = text('overlap-policy');
  if (values.inactive) input.status = 'inactive';
  if (text('payload') !== undefined) input.payload = parseJsonFlag(text('payload')!, 'payload', 'payload');

  const target = oneOf(values, ['job-type', 'job-group', 'job-types', 'all-jobs'], 'job_type', 'what the schedule runs');
  if (target === 'job-type') input.jobType = text('job-type');
  else if (target === 'job-group') input.jobGroup = text('job-group');
  else if (target === 'job-types') input.jobTypes = text('job-types')!.split(',').map((name) => name.trim()).filter(Boolean);
  else if (target === 'all-jobs') input.executionMode = 'all_jobs';

  const timing = oneOf(values, ['cron', 'every', 'at'], 'cron_expression', 'when it runs');
  if (timing === 'cron') input.cronExpression = text('cron');
  else if (timing === 'at') {
    const raw = text('at')!;
    if (!isoInstant.safeParse(raw).success) throw usageError(`run_at (--at): expected an ISO 8601 instant with an offset, e.g. 2030-01-01T09:00:00Z, got "${raw}"`, 'run_at');
    input.runAt = raw;
  }
  else if (timing === 'every') {
    const raw = text('every')!;
    if (!/^\d+$/.test(raw.trim())) throw usageError(`interval_seconds (--every): expected a whole number of seconds, got "${raw}"`, 'interval_seconds');
    input.intervalSeconds = Number(raw);
  }
  return input as ScheduleInput;
}

/** The service input from `--file` (a JSON object in the REST API's snake_case body format). */
function inputFromFile(path: string): ScheduleInput {
  let raw: string;
  try {
    raw = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw usageError(`--file: cannot read ${path === '-' ? 'stdin' : `"${path}"`}: ${(error as Error).message}`, 'file');
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (error) {
    throw usageError(`--file: expected a JSON object, ${(error as Error).message}`, 'file');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw usageError('--file: expected a JSON object such as {"name": ..., "job_type": ..., "cron_expression": ...}', 'file');
  // The API's schema: unknown fields are rejected and named as in the file.
  return bodyToInput(parseWith(scheduleCreateBody, body) as Record<string, unknown>) as ScheduleInput;
}

/** Names the flag beside the field in a bad-input error (`cron_expression (--cron): ...`). */
function withFlag(error: unknown): unknown {
  if (!isHourglassError(error) || error.status !== 400 || !error.field) return error;
  const flag = flagByField.get(error.field);
  if (!flag || error.message.startsWith(`${error.field} (`)) return error;
  const message = error.message.startsWith(`${error.field}:`) ? error.message.slice(error.field.length + 1).trimStart() : error.message;
  return new HourglassError(error.code, `${error.field} (--${flag}): ${message}`, { field: error.field, cause: error, details: error.details });
}

async function create(hourglass: Hourglass, context: CommandContext, actor: Actor): Promise<Schedule> {
  const { values } = context;
  if (values.file !== undefined) {
    const extra = Object.keys(createFlags).find((flag) => values[flag] !== undefined);
    if (extra) throw usageError(`--${extra}: give the schedule either with flags or with --file, not both`, createFlags[extra as CreateFlag]);
    return hourglass.schedules.create(inputFromFile(values.file as string), actor);
  }
  if (values.name === undefined) throw usageError('name: expected --name NAME (or --file schedule.json)', 'name');
  const input = inputFromFlags(values);
  try {
    return await hourglass.schedules.create(input, actor);
  } catch (error) {
    throw withFlag(error);
  }
}

export const schedulesCommand: Command = {
  summary: 'list, create and steer schedules (ls, show, create, pause, resume, enable, disable, trigger, rm)',
  usage: [
    'Usage: hourglass schedules <verb> [ID|KEY] [options]',
    '',
    '  ls [--status active|paused|inactive] [--search TEXT]',
    '  show ID|KEY',
    '  create --name NAME TARGET TIMING [options]     (or: create --file schedule.json)',
    '      TARGET: --job-type T | --job-group G | --job-types a,b | --all-jobs',
    '      TIMING: --cron EXPR | --every SECONDS | --at ISO',
    '      --tz ZONE  --key KEY  --tenant T  --payload JSON  --inactive',
    '      --missed-run-policy skip|run_once|catch_up  --overlap-policy allow|skip|queue|replace',
    '      --file PATH   the REST API body (snake_case JSON, e.g. {"name", "job_type", "cron_expression"}); - reads stdin',
    '  pause ID|KEY [--note TEXT] [--until ISO]',
    '  resume | enable | disable | trigger | rm  ID|KEY',
    '  --json     machine-readable output',
    '',
    'Exit codes: 0 ok, 1 failure, 2 bad input (names the field), 3 not found.',
  ].join('\n'),
  options: {
    status: { type: 'string' },
    search: { type: 'string' },
    note: { type: 'string' },
    until: { type: 'string' },
    file: { type: 'string' },
    name: { type: 'string' },
    key: { type: 'string' },
    'job-type': { type: 'string' },
    'job-group': { type: 'string' },
    'job-types': { type: 'string' },
    'all-jobs': { type: 'boolean' },
    cron: { type: 'string' },
    every: { type: 'string' },
    at: { type: 'string' },
    tz: { type: 'string' },
    tenant: { type: 'string' },
    payload: { type: 'string' },
    inactive: { type: 'boolean' },
    'missed-run-policy': { type: 'string' },
    'overlap-policy': { type: 'string' },
  },
  async run(context) {
    const { positionals, values, output, json } = context;
    const verb = requireVerb(positionals, verbs);
    assertFlagsFor(verb, values, verbFlags[verb]!);
    const status = values.status as string | undefined;
    if (status !== undefined && !Object.values(ScheduleStatus).includes(status as ScheduleStatus)) {
      throw usageError(`--status: expected ${Object.values(ScheduleStatus).join(', ')}, got "${status}"`, 'status');
    }
    const takesId = verb !== 'ls' && verb !== 'create';
    const id = takesId ? requireArgument(positionals, 1, 'a schedule id or key', 'id') : undefined;
    assertNoExtraArguments(positionals, takesId ? 2 : 1);
    // --json prints what the REST API answers (snake_case), so scripts can use either.
    const printOne = (schedule: Schedule) => (json ? output.json(serializeSchedule(schedule)) : output.table([scheduleRow(schedule)], scheduleColumns));

    return withHourglass(context, async (hourglass, actor) => {
      const schedules = hourglass.schedules;
      if (verb === 'ls') {
        const page = await schedules.list({ status: status as ScheduleStatus | undefined, search: values.search as string | undefined, limit: 500 }, actor);
        if (json) output.json(page.items.map((schedule) => serializeSchedule(schedule)));
        else output.table(page.items.map(scheduleRow), scheduleColumns);
        return 0;
      }
      if (verb === 'trigger') {
        output.json(serializeFiring(await schedules.trigger(id!, {}, actor)));
        return 0;
      }
      if (verb === 'rm') {
        await schedules.delete(id!, actor);
        output.json({ deleted: id });
        return 0;
      }
      const actions: Record<string, () => Promise<Schedule>> = {
        create: () => create(hourglass, context, actor),
        show: () => schedules.get(id!, actor),
        pause: () => schedules.pause(id!, { note: values.note as string | undefined, until: values.until as string | undefined }, actor),
        resume: () => schedules.resume(id!, actor),
        enable: () => schedules.enable(id!, actor),
        disable: () => schedules.disable(id!, actor),
      };
      printOne(await actions[verb]!());
      return 0;
    });
  },
};
