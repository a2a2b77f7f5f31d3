#!/usr/bin/env node
/**
 * The `hourglass` command: parses global flags, dispatches to a command module, and maps
 * errors to exit codes. Only `cli/` writes to stdout.
 *
 * Exit codes (`ExitCode`):
 * - 0 success;
 * - 1 a failure: the database unreachable or held by another process, a conflict or a state
 *   that forbids the change (HTTP 409: `conflict`, `read_only_schedule`, `invalid_state`),
 *   a forbidden change (403), an unexpected error;
 * - 2 bad usage or bad input: an unknown command, verb or flag, any error with status 400
 *   (`validation_error`, `invalid_cron`, `invalid_timezone`, `unknown_job_type`, ...; the
 *   message names the field), an invalid config;
 * - 3 not found (`not_found`: no such schedule, run or token).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ErrorCode, isHourglassError, type HourglassError } from '../errors.js';
import { commands, type CommandContext } from './commands/index.js';
import { createOutput } from './output.js';

export const ExitCode = Object.freeze({ ok: 0, failure: 1, usage: 2, notFound: 3 } as const);

/** The exit code an error maps to (see the header). */
export function exitCodeFor(error: HourglassError): number {
  if (error.code === ErrorCode.notFound) return ExitCode.notFound;
  if (error.status === 400 || error.code === ErrorCode.invalidConfig || error.code === ErrorCode.invalidRegistry) return ExitCode.usage;
  return ExitCode.failure;
}

/** The message; bad input's prefixed with the field it concerns unless it already names it. */
function describeError(error: HourglassError): string {
  const { field, message } = error;
  if (!field || error.status !== 400 || message.startsWith(field) || message.startsWith('-')) return message;
  return `${field}: ${message}`;
}

const globalOptions = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

/** The overall help: it loads every command for its summary (help is the one place that needs them all). */
async function usage(): Promise<string> {
  const loaded = await Promise.all(Object.entries(commands).map(async ([name, load]) => [name, await load()] as const));
  const lines = loaded.map(([name, command]) => `  ${name.padEnd(11)} ${command.summary}`);
  return [
    'Usage: hourglass <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Global options:',
    '  -c, --config PATH   config file (default: hourglass.config.ts|js in the current directory)',
    '  --json              machine-readable output',
    '  -h, --help          help for a command',
    '',
    'Exit codes: 0 ok, 1 failure (database unreachable or held, conflict, forbidden), 2 bad usage or input',
    '(the message names the field), 3 not found.',
    '',
    'Environment: DATABASE_URL (absent = embedded PGlite in ./.hourglass), HOURGLASS_SCHEMA, HOURGLASS_PORT,',
    'JOB_SCHEDULER_POLL_MS, JOB_WORKER_POLL_MS, JOB_SCHEDULER_BATCH, JOB_WORKER_BATCH, HOURGLASS_CONCURRENCY, LOG_LEVEL',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const output = createOutput();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    output.line(await usage());
    return name ? ExitCode.ok : ExitCode.usage;
  }
  const load = commands[name];
  if (!load) {
    output.error(`unknown command "${name}"\n\n${await usage()}`);
    return ExitCode.usage;
  }
  const command = await load();
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...globalOptions, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    output.error(`${(error as Error).message}\n\n${command.usage}`);
    return ExitCode.usage;
  }
  if (parsed.values.help) {
    output.line(command.usage);
    return ExitCode.ok;
  }
  const context: CommandContext = {
    values: parsed.values as Record<string, string | boolean | string[] | undefined>,
    positionals: parsed.positionals,
    output,
    configPath: parsed.values.config as string | undefined,
    json: parsed.values.json === true,
  };
  try {
    return await command.run(context);
  } catch (error) {
    if (isHourglassError(error)) {
      output.error(describeError(error));
      return exitCodeFor(error);
    }
    output.error(`unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    return ExitCode.failure;
  }
}

const exitCode = await main(process.argv.slice(2));
if (exitCode !== 0 || !process.exitCode) process.exitCode = exitCode;
