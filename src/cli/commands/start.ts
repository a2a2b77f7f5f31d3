/**
 * `hourglass start | scheduler | worker | api`: long-running processes. `start` runs every role
 * in one process, with the REST API and console (the embedded setup); `scheduler`, `worker` and
 * `api` run one role each, for clusters on PostgreSQL. SIGINT / SIGTERM stop gracefully
 * (running handlers finish or are handed back); a second signal exits at once.
 *
 * `start` and `api` print the console URL; on a database without tokens they create an admin
 * token first and print the URL with it (`/#token=...`), once.
 */
import { createHourglass, type Hourglass } from '../../hourglass.js';
import { formatDurationMs } from '../../time/duration.js';
import { loadConfig } from '../../config/load.js';
import { isTransientDatabaseError } from '../../db/retryable.js';
import { computeBackoffMs } from '../../util/backoff.js';
import { sleep } from '../../util/sleep.js';
import type { Command, CommandContext } from './index.js';

type Role = 'all' | 'scheduler' | 'worker' | 'api';

const roleOverrides: Record<Role, Record<string, unknown>> = {
  all: { api: { enabled: true } },
  scheduler: { scheduler: { enabled: true }, worker: { enabled: false }, api: { enabled: false } },
  worker: { scheduler: { enabled: false }, worker: { enabled: true }, api: { enabled: false } },
  api: { scheduler: { enabled: false }, worker: { enabled: false }, api: { enabled: true } },
};

async function runRole(role: Role, context: CommandContext): Promise<number> {
  const { config } = await loadConfig({ configPath: context.configPath, overrides: roleOverrides[role] });
  const hourglass = createHourglass(config, { role });
  // Handlers go in before start: a signal during start-up stops the process once it is up.
  const stopping = new AbortController();
  const stopRequested = new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve(), { once: true }));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping.signal.aborted) {
      context.output.error(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stopping.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await hourglass.start();
    if (config.api.enabled) await untilReachable(hourglass, stopping.signal, () => announceConsole(hourglass, context));
    if (role !== 'api') await untilReachable(hourglass, stopping.signal, () => announceNextSlots(hourglass, context));
    await stopRequested;
  } finally {
    await hourglass.stop();
  }
  return 0;
}

/**
 * Runs one announcement, waiting out a database outage the way the loops do (SPEC §4): the
 * process is already up, so a lost connection is logged once and the statement retried with
 * backoff until it answers or a stop is requested. Any other error ends the process as before.
 *
 * A retried initial token whose first attempt committed finds a token and prints the plain
 * URL: that secret is never shown, and `hourglass tokens create` makes another.
 */
async function untilReachable(hourglass: Hourglass, stopping: AbortSignal, announce: () => Promise<void>): Promise<void> {
  for (let failures = 1; !stopping.aborted; failures += 1) {
    try {
      return await announce();
    } catch (error) {
      if (!isTransientDatabaseError(error)) throw error;
      const { logger } = await hourglass.ready();
      if (failures === 1) logger.warn({ err: (error as Error).message }, 'database unavailable while announcing the start; retrying with backoff');
      await sleep(computeBackoffMs(failures, { baseMs: 250, maxMs: 5000 }), stopping);
    }
  }
}

/**
 * Prints where the console is. The first start on a database without tokens creates an admin
 * token and puts it in the URL's fragment (never sent to a server, so never in an access log);
 * it is shown this once.
 */
async function announceConsole(hourglass: Hourglass, context: CommandContext): Promise<void> {
  const url = hourglass.apiUrl;
  if (!url) return;
  const secret = await hourglass.tokens.createInitialToken();
  if (secret === null) {
    context.output.line(`Console: ${url}`);
    return;
  }
  context.output.line(`Console: ${url}/#token=${secret}`);
  context.output.line('That admin token (named initial-admin) is shown only this once: keep the URL, or make more tokens with `hourglass tokens create --name NAME --role admin|operator|viewer`.');
}

/** Tells the person who just started Hourglass when something will happen next. */
async function announceNextSlots(hourglass: Hourglass, context: CommandContext): Promise<void> {
  const { items } = await hourglass.schedules.list({ status: 'active', limit: 500 });
  const upcoming = items
    .filter((schedule) => schedule.nextRunAt)
    .sort((a, b) => a.nextRunAt!.getTime() - b.nextRunAt!.getTime())
    .slice(0, 3);
  const inactive = (await hourglass.schedules.list({ status: 'inactive', limit: 500 })).items.length;
  const lines = upcoming.map((schedule) => `  ${schedule.name} (${schedule.key ?? schedule.id}) at ${schedule.nextRunAt!.toISOString()}, in ${formatDurationMs(schedule.nextRunAt!.getTime() - Date.now())}`);
  if (lines.length === 0) {
    // On PostgreSQL another process may change schedules while this one runs; the embedded
    // database belongs to this process, so there the console (or a stopped Hourglass) it is.
    const how = hourglass.config.databaseUrl
      ? 'enable one in the console, with `hourglass schedules enable KEY`, or with `enabled: true` in code'
      : 'enable one in the console, with `enabled: true` in code, or with `hourglass schedules enable KEY` while Hourglass is stopped (this process holds the embedded database)';
    context.output.line(`No active schedules yet: ${how}.`);
  }
  else context.output.line(`Next slots:\n${lines.join('\n')}`);
  if (inactive > 0) context.output.line(`${inactive} inactive schedule(s), e.g. code-defined ones not enabled in code.`);
}

const common = 'Options:\n  -c, --config PATH   config file\n\nStops gracefully on Ctrl-C / SIGTERM.';

export const startCommand: Command = {
  summary: 'run scheduler, worker, API and console in one process (embedded database by default)',
  usage: `Usage: hourglass start [--config PATH]\n\nRuns the scheduler, a worker and the REST API with the console (port HOURGLASS_PORT, default 8080) until stopped.\nThe first start on a database without tokens prints the console URL with a new admin token, once.\n\n${common}`,
  options: {},
  run: (context) => runRole('all', context),
};

export const schedulerCommand: Command = {
  summary: 'run only the scheduler loop',
  usage: `Usage: hourglass scheduler [--config PATH]\n\nTurns due slots into runs; run workers elsewhere.\n\n${common}`,
  options: {},
  run: (context) => runRole('scheduler', context),
};

export const apiCommand: Command = {
  summary: 'run only the REST API and console',
  usage: `Usage: hourglass api [--config PATH]\n\nServes the REST API and the console (port HOURGLASS_PORT, default 8080); no scheduler, no worker.\nThe first start on a database without tokens prints the console URL with a new admin token, once.\n\n${common}`,
  options: {},
  run: (context) => runRole('api', context),
};

export const workerCommand: Command = {
  summary: 'run only a worker',
  usage: `Usage: hourglass worker [--config PATH]\n\nClaims and executes runs; concurrency from HOURGLASS_CONCURRENCY or the config.\n\n${common}`,
  options: {},
  run: (context) => runRole('worker', context),
};
