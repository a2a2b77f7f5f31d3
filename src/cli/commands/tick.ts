/**
 * `hourglass tick [--drain]`: one scheduler pass and one lease recovery, for an external
 * trigger (a system crontab, a serverless schedule) instead of a long-running scheduler.
 * `--drain` repeats the pass while schedules remain due.
 */
import { createHourglass } from '../../hourglass.js';
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../logger.js';
import type { Command } from './index.js';

/** Passes `--drain` makes at most, so a misconfigured schedule cannot loop forever. */
const MAX_DRAIN_PASSES = 1000;

export const tickCommand: Command = {
  summary: 'one scheduler pass (for an external cron trigger)',
  usage: 'Usage: hourglass tick [--drain] [--json] [--config PATH]\n\n  --drain   repeat while schedules remain due',
  options: { drain: { type: 'boolean' } },
  async run({ values, output, configPath, json }) {
    const { config } = await loadConfig({ configPath, overrides: { scheduler: { enabled: false }, worker: { enabled: false } } });
    const hourglass = createHourglass(config, { role: 'tick', logger: createLogger({ level: config.logLevel, destination: 2 }) });
    try {
      const totals = { passes: 0, schedules: 0, runs: 0, skipped: 0, missed: 0, suppressed: 0, recovered: 0 };
      totals.recovered = await hourglass.recoverLeases();
      do {
        const result = await hourglass.tick();
        totals.passes += 1;
        totals.schedules += result.schedules;
        totals.runs += result.runs;
        totals.skipped += result.skipped;
        totals.missed += result.missed;
        totals.suppressed += result.suppressed;
        if (!values.drain || !result.hasMore) break;
      } while (totals.passes < MAX_DRAIN_PASSES);
      if (json) output.json(totals);
      else output.line(`fired ${totals.schedules} schedule(s): ${totals.runs} run(s), ${totals.skipped} skipped, ${totals.missed} missed, ${totals.suppressed} suppressed; recovered ${totals.recovered} lapsed lease(s)`);
      return 0;
    } finally {
      await hourglass.stop();
    }
  },
};
