/**
 * The command table of the CLI. Each command declares its options (node:util parseArgs), a
 * one-line summary, its usage text and `run`, which returns the exit code.
 *
 * The table holds loaders, not commands: a process loads only the module of the command it
 * runs, so a worker never loads what `import` or `doctor` need (the PGlite driver among them).
 */
import type { ParseArgsConfig } from 'node:util';
import type { Output } from '../output.js';

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

export const commands: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./start.js')).startCommand,
  scheduler: async () => (await import('./start.js')).schedulerCommand,
  worker: async () => (await import('./start.js')).workerCommand,
  api: async () => (await import('./start.js')).apiCommand,
  tick: async () => (await import('./tick.js')).tickCommand,
  migrate: async () => (await import('./migrate.js')).migrateCommand,
  cron: async () => (await import('./cron.js')).cronCommand,
  schedules: async () => (await import('./schedules.js')).schedulesCommand,
  runs: async () => (await import('./runs.js')).runsCommand,
  tokens: async () => (await import('./tokens.js')).tokensCommand,
  export: async () => (await import('./export.js')).exportCommand,
  import: async () => (await import('./import.js')).importCommand,
  doctor: async () => (await import('./doctor.js')).doctorCommand,
};
