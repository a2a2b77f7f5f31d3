/**
 * The command table of the CLI. Each command declares its options (node:util parseArgs), a
 * one-line summary, its usage text and `run`, which returns the exit code.
 */
import type { ParseArgsConfig } from 'node:util';
import type { Output } from '../output.js';
import { cronCommand } from './cron.js';
import { doctorCommand } from './doctor.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { migrateCommand } from './migrate.js';
import { apiCommand, schedulerCommand, startCommand, workerCommand } from './start.js';
import { tickCommand } from './tick.js';
import { runsCommand } from './runs.js';
import { schedulesCommand } from './schedules.js';
import { tokensCommand } from './tokens.js';

export interface CommandContext {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  output: Output;
  configPath: string | undefined;
  json: boolean;
}

export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(context: CommandContext): Promise<number>;
}

export const commands: Record<string, Command> = {
  start: startCommand,
  scheduler: schedulerCommand,
  worker: workerCommand,
  api: apiCommand,
  tick: tickCommand,
  migrate: migrateCommand,
  cron: cronCommand,
  schedules: schedulesCommand,
  runs: runsCommand,
  tokens: tokensCommand,
  export: exportCommand,
  import: importCommand,
  doctor: doctorCommand,
};
