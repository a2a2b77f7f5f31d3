/**
 * `hourglass start | scheduler | worker`: long-running processes. `start` runs every role in
 * one process (the embedded setup); `scheduler` and `worker` run one role each, for clusters
 * on PostgreSQL. SIGINT / SIGTERM stop gracefully (running handlers finish or are handed back);
 * a second signal exits at once.
 */
import { createHourglass } from '../../hourglass.js';
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
    await stopRequested;
  } finally {
    await hourglass.stop();
  }
  return 0;
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
