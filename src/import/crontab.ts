/**
 * A crontab file → an `ImportPlan` (pure: no I/O, no clock). Each schedule line becomes an
 * INACTIVE schedule of the built-in `command` job type, so nothing runs until someone has
 * looked at it and enabled it (and `builtinJobs.command` is on).
 *
 * What is understood, line by line:
 * - blank lines and `#` comments are skipped;
 * - `NAME=value` (spaces around `=` allowed, value optionally in matching quotes) sets a
 *   variable for the lines after it. `CRON_TZ` and `TZ` set the zone the following schedules
 *   are read in (UTC before any); every variable except `CRON_TZ` becomes the environment of
 *   the following commands (`TZ` too: cron gave it to the commands, and a command printing
 *   dates should keep printing them in that zone). `SHELL` also chooses the shell, as in cron;
 * - 5 time fields or a nickname (`@yearly` … `@hourly`), then, with `userField` (the
 *   /etc/crontab format), the user, then the command. `@reboot` is rejected: it runs at boot,
 *   not on a schedule.
 *
 * The command runs as cron runs it: `[SHELL or /bin/sh, -c, command]`. `\%` becomes `%`. An
 * unescaped `%` is rejected instead of emulated: cron turns it into a newline and sends the
 * rest to the command's standard input, which the `command` job type does not provide, and an
 * unescaped `%` in a real crontab is far more often a bug (`date +%F`) than intended input.
 * Schedules keep cron's behaviour otherwise: overlap `allow` (cron starts the command even if
 * the previous one still runs), missed slots skipped, DST `shift`/`first` (vixie cron's).
 *
 * Identity (`source_ref`): `crontab:<file basename>:<hash>` where the hash (12 hex of SHA-256)
 * covers the user and the command, plus `-2`, `-3`, … for the second and later lines with the
 * same user and command. Line numbers are deliberately not part of it, nor of the name,
 * description or metadata: adding a comment or reordering lines changes nothing on
 * re-import, and changing a line's time, zone or environment updates its schedule (only
 * those fields) instead of adding a second one. Lines with the same command are told apart by
 * their order: swapping two of them updates both. Changing the command itself makes a new schedule (the old one stays;
 * the import never deletes). Line numbers appear only in labels and rejections, for people.
 */
import { createHash } from 'node:crypto';
import { isHourglassError } from '../errors.js';
import type { ScheduleInput } from '../services/schedule-input.js';
import { CRON_NICKNAMES, validateCron } from '../time/cron.js';
import { assertTimezone } from '../time/zones.js';
import type { ImportCandidate, ImportPlan, ImportRejection } from './plan.js';

export interface ParseCrontabOptions {
  /** The file's path as given: its basename goes into `source_ref`, the path into the plan's source. */
  file: string;
  /** The /etc/crontab format: a user between the time fields and the command. @default false */
  userField?: boolean;
}

const NICKNAMES = new Set(Object.keys(CRON_NICKNAMES));
const ENV_LINE = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;
const MAX_NAME_LENGTH = 60;
const MAX_LABEL_LENGTH = 100;

interface Context {
  basename: string;
  userField: boolean;
  timezone: string;
  /** Set when the last CRON_TZ/TZ was not a zone: the lines after it are rejected with this. */
  zoneError: string | null;
  env: Record<string, string>;
  /** How many lines so far had each user + command hash (repeats get `-2`, `-3`, …). */
  seen: Map<string, number>;
}

interface ScheduleLine {
  expression: string;
  user: string | null;
  command: string;
}

class LineRejection extends Error {}

function basenameOf(file: string): string {
  return file.split(/[\\/]/).filter(Boolean).at(-1) ?? file;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

function unquote(value: string): string {
  const trimmed = value.trim();
  const quoted = trimmed.length >= 2 && (trimmed[0] === '"' || trimmed[0] === "'") && trimmed.at(-1) === trimmed[0];
  return quoted ? trimmed.slice(1, -1) : trimmed;
}

/** Splits a schedule line into expression, user and command; throws `LineRejection`. */
function splitLine(line: string, userField: boolean): ScheduleLine {
  const userPart = userField ? '(\\S+)\\s+' : '()';
  const nickname = new RegExp(`^(@\\S+)\\s+${userPart}(\\S.*)$`).exec(line);
  const fields = new RegExp(`^(\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+)\\s+${userPart}(\\S.*)$`).exec(line);
  if (line.startsWith('@')) {
    const name = line.split(/\s/, 1)[0]!;
    if (name === '@reboot') throw new LineRejection('unsupported: @reboot runs at boot, not on a schedule');
    if (!NICKNAMES.has(name)) throw new LineRejection(`unknown nickname "${name}": expected one of ${[...NICKNAMES].join(' ')}`);
    if (!nickname) throw new LineRejection(`expected ${name}${userField ? ' then a user' : ''} then a command`);
    return { expression: name, user: nickname[2] || null, command: nickname[3]! };
  }
  if (!fields) throw new LineRejection(`expected 5 time fields${userField ? ', a user' : ''} and a command, or NAME=value`);
  return { expression: fields[1]!.split(/\s+/).join(' '), user: fields[2] || null, command: fields[3]! };
}

/** cron's `%` rule: `\%` is a literal `%`; an unescaped one is rejected (see the header). */
function unescapePercent(command: string): string {
  if (/(^|[^\\])%/.test(command)) {
    throw new LineRejection('unsupported: unescaped % in the command (cron sends the text after it to standard input); write \\% for a literal %');
  }
  return command.replaceAll('\\%', '%');
}

/** A short readable name: the program's basename and its arguments, without redirections. */
export function nameFromCommand(command: string): string {
  const tokens = command.trim().split(/\s+/);
  const kept: string[] = [];
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (kept.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(token)) continue; // leading VAR=value
    if (/^(\d*|&)(>>?|<)$/.test(token)) {
      index += 1; // `> file`: the target goes too
      continue;
    }
    if (/^(\d*|&)(>>?|<)/.test(token)) continue; // `>/dev/null`, `2>&1`, `&>log`
    kept.push(kept.length === 0 && token.includes('/') ? (token.split('/').filter(Boolean).at(-1) ?? token) : token);
  }
  const name = kept.join(' ').trim();
  return name === '' ? 'crontab command' : truncate(name, MAX_NAME_LENGTH);
}

function sourceRefFor(context: Context, entry: ScheduleLine): string {
  const hash = createHash('sha256').update(`${entry.user ?? ''}\0${entry.command}`).digest('hex').slice(0, 12);
  const occurrence = (context.seen.get(hash) ?? 0) + 1;
  context.seen.set(hash, occurrence);
  return `crontab:${context.basename}:${hash}${occurrence > 1 ? `-${occurrence}` : ''}`;
}

function toInput(context: Context, entry: ScheduleLine, command: string, sourceRef: string): ScheduleInput {
  const env = { ...context.env };
  const shell = env.SHELL && env.SHELL !== '' ? env.SHELL : '/bin/sh';
  return {
    name: nameFromCommand(command),
    description: `Imported from crontab ${context.basename}${entry.user ? ` (user ${entry.user})` : ''}: ${entry.command}`.slice(0, 2000),
    source: 'import',
    sourceRef,
    executionMode: 'single_job',
    jobType: 'command',
    payload: { argv: [shell, '-c', command], env },
    metadata: { crontab: { file: context.basename, ...(entry.user ? { user: entry.user } : {}) } },
    scheduleType: 'cron',
    cronExpression: entry.expression,
    timezone: context.timezone,
    status: 'inactive',
    overlapPolicy: 'allow',
  };
}

/** A schedule line → a candidate; throws `LineRejection` with the reason. */
function parseScheduleLine(context: Context, line: string): Pick<ImportCandidate, 'sourceRef' | 'input'> {
  const entry = splitLine(line, context.userField);
  if (context.zoneError) throw new LineRejection(context.zoneError);
  try {
    validateCron(entry.expression, 'cron_expression');
  } catch (error) {
    if (isHourglassError(error)) throw new LineRejection(`invalid cron "${entry.expression}": ${error.message}`);
    throw error;
  }
  const command = unescapePercent(entry.command);
  const sourceRef = sourceRefFor(context, entry);
  return { sourceRef, input: toInput(context, entry, command, sourceRef) };
}

/** `NAME=value`: updates the zone or the environment of the following lines. */
function applyEnvLine(context: Context, name: string, rawValue: string, lineNumber: number): void {
  const value = unquote(rawValue);
  if (name === 'CRON_TZ' || name === 'TZ') {
    try {
      context.timezone = assertTimezone(value === '' ? 'UTC' : value, name);
      context.zoneError = null;
    } catch (error) {
      if (!isHourglassError(error)) throw error;
      context.zoneError = `invalid ${name} "${value}" (line ${lineNumber}): ${error.message}`;
    }
    if (name === 'CRON_TZ') return;
  }
  context.env[name] = value;
}

/** Parses a crontab (see the header); never throws for bad lines: they become rejections. */
export function parseCrontab(text: string, options: ParseCrontabOptions): ImportPlan {
  const context: Context = {
    basename: basenameOf(options.file),
    userField: options.userField ?? false,
    timezone: 'UTC',
    zoneError: null,
    env: {},
    seen: new Map(),
  };
  const candidates: ImportCandidate[] = [];
  const rejected: ImportRejection[] = [];
  let rowsRead = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const lineNumber = index + 1;
    if (line === '' || line.startsWith('#')) return;
    const env = ENV_LINE.exec(line);
    if (env) return applyEnvLine(context, env[1]!, env[2]!, lineNumber);
    rowsRead += 1;
    const label = truncate(`line ${lineNumber}: ${line}`, MAX_LABEL_LENGTH);
    try {
      candidates.push({ ...parseScheduleLine(context, line), label });
    } catch (error) {
      if (!(error instanceof LineRejection)) throw error;
      rejected.push({ sourceRef: `crontab:${context.basename}:line:${lineNumber}`, label, reason: error.message });
    }
  });
  return { source: `crontab ${options.file}`, rowsRead, candidates, rejected };
}
