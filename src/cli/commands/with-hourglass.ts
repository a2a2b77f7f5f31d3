/**
 * What the one-shot verbs (`schedules`, `runs`, `tokens`) share: opening Hourglass for one
 * command (no scheduler, no worker, no API; stopped afterwards, also on error), the CLI's
 * actor (`cli:<os user>` in the audit log, full rights), and argument checks that fail with
 * exit code 2.
 */
import { userInfo } from 'node:os';
import { loadConfig } from '../../config/load.js';
import { createHourglass, type Hourglass } from '../../hourglass.js';
import { ErrorCode, HourglassError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import type { Actor } from '../../services/actor.js';
import type { CommandContext } from './index.js';

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): fall back to the environment.
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/** The actor of every CLI change: unrestricted, recorded as `cli:<os user>`. */
export function cliActor(): Actor {
  return { name: `cli:${osUser()}` };
}

/** Runs `fn` with an Hourglass instance that serves nothing and is stopped afterwards. */
export async function withHourglass<T>(context: CommandContext, fn: (hourglass: Hourglass, actor: Actor) => Promise<T>): Promise<T> {
  const { config } = await loadConfig({
    configPath: context.configPath,
    overrides: { scheduler: { enabled: false }, worker: { enabled: false }, api: { enabled: false } },
  });
  // Logs go to stderr: stdout is the command's result.
  const hourglass = createHourglass(config, { role: 'cli', logger: createLogger({ level: 'warn', destination: 2 }) });
  try {
    return await fn(hourglass, cliActor());
  } finally {
    await hourglass.stop();
  }
}

export function usageError(message: string, field?: string): HourglassError {
  return new HourglassError(ErrorCode.validationError, message, { field });
}

/** The positional argument at `index`, or a usage error saying what was expected. */
export function requireArgument(positionals: string[], index: number, what: string, field = 'argument'): string {
  const value = positionals[index];
  if (!value) throw usageError(`expected ${what}`, field);
  return value;
}

/** Rejects extra positional arguments (a forgotten quote around a cron expression, say). */
export function assertNoExtraArguments(positionals: string[], count: number): void {
  if (positionals.length > count) throw usageError(`unexpected argument "${positionals[count]}"`);
}

/**
 * Rejects flags that the chosen verb does not take (parseArgs knows the command's flags, not
 * the verb's): `schedules ls --cron ...` is a mistake, not something to ignore silently.
 */
export function assertFlagsFor(verb: string, values: CommandContext['values'], allowed: readonly string[]): void {
  const global = ['config', 'json', 'help'];
  for (const [flag, value] of Object.entries(values)) {
    if (value === undefined || global.includes(flag) || allowed.includes(flag)) continue;
    throw usageError(`--${flag} does not apply to "${verb}"`, flag);
  }
}

/** The verb (first positional) among `verbs`, or a usage error listing them. */
export function requireVerb(positionals: string[], verbs: readonly string[]): string {
  const verb = requireArgument(positionals, 0, `a verb: ${verbs.join(', ')}`, 'verb');
  if (!verbs.includes(verb)) throw usageError(`unknown verb "${verb}": expected ${verbs.join(', ')}`, 'verb');
  return verb;
}
