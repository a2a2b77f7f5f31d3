/**
 * `hourglass start | scheduler | worker`: long-running processes. `start` runs every role in
 * one process (the embedded setup); `scheduler` and `worker` run one role each, for clusters
 * on PostgreSQL. SIGINT / SIGTERM stop gracefully (running handlers finish or are handed back);
 * a second signal exits at once.
 */
import { createHourglass, type Hourglass } from '../../hourglass.js';
import { formatDurationMs } from '../../time/duration.js';
import { loadConfig } from '../../config/load.js';
import type { Command, CommandContext } from './index.js';

type Role = 'all' | 'scheduler' | 'worker';

const roleOverrides: Record<Role, Record<string, unknown>> = {
  all: {},
  scheduler: { scheduler: { enabled: true }, worker: { enabled: false } },
  worker: { scheduler: { enabled: false }, worker: { enabled: true } },
};

async function runRole(role: Role, context: CommandContext): Promise<number> {
  const { config } = await loadConfig({ configPath: context.configPath, overrides: roleOverrides[role] });
  const hourglass = createHourglass(config, { role });
  // Handlers go in before start: a signal during start-up stops the process once it is up.
  let stopping = false;
  let signalled!: () => void;
  const stopRequested = new Promise<void>((resolve) => (signalled = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      context.output.error(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stopping = true;
    signalled();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await hourglass.start();
    await announceNextSlots(hourglass, context);
    await stopRequested;
  } finally {
    await hourglass.stop();
  }
  return 0;
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
  if (lines.length === 0) context.output.line('No active schedules yet: `hourglass schedules enable KEY` (with Hourglass stopped, on the embedded database) or `enabled: true` in code.');
  else context.output.line(`Next slots:\n${lines.join('\n')}`);
  if (inactive > 0) context.output.line(`${inactive} inactive schedule(s), e.g. code-defined ones not enabled in code.`);
}

const common = 'Options:\n  -c, --config PATH   config file\n\nStops gracefully on Ctrl-C / SIGTERM.';

export const startCommand: Command = {
  summary: 'run scheduler and worker in one process (embedded database by default)',
  usage: `Usage: hourglass start [--config PATH]\n\nRuns the scheduler and a worker until stopped.\n\n${common}`,
  options: {},
  run: (context) => runRole('all', context),
};

export const schedulerCommand: Command = {
  summary: 'run only the scheduler loop',
  usage: `Usage: hourglass scheduler [--config PATH]\n\nTurns due slots into runs; run workers elsewhere.\n\n${common}`,
  options: {},
  run: (context) => runRole('scheduler', context),
};

export const workerCommand: Command = {
  summary: 'run only a worker',
  usage: `Usage: hourglass worker [--config PATH]\n\nClaims and executes runs; concurrency from HOURGLASS_CONCURRENCY or the config.\n\n${common}`,
  options: {},
  run: (context) => runRole('worker', context),
};
