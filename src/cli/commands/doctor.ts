/**
 * `hourglass doctor [--json]`: checks the database, migrations, clock skew, live schedulers
 * and workers, runs stuck past their lease, late schedules and failing notification
 * deliveries; prints each as ok / warn / fail / skip with a remedy. Exit code 1 when any
 * check fails; warnings alone exit 0.
 */
import { loadConfig } from '../../config/load.js';
import { doctorExitCode } from '../../doctor/checks.js';
import { runDoctor } from '../../doctor/doctor.js';
import type { Command } from './index.js';

export const doctorCommand: Command = {
  summary: 'check the database, migrations, clocks, processes and backlog',
  usage: 'Usage: hourglass doctor [--json] [--config PATH]\n\nExit code 1 when any check fails (warnings alone exit 0).',
  options: {},
  async run({ output, configPath, json }) {
    const { config } = await loadConfig({ configPath });
    const results = await runDoctor(config);
    if (json) {
      output.json(results);
      return doctorExitCode(results);
    }
    // The remedies go under the table: beside the findings they would make lines too wide to read.
    output.table(results.map(({ check, status, finding }) => ({ check, status, finding })), ['check', 'status', 'finding']);
    const needsAction = results.filter((result) => result.remedy !== '' && (result.status === 'warn' || result.status === 'fail'));
    if (needsAction.length > 0) {
      output.line();
      output.line('Remedies:');
      for (const result of needsAction) output.line(`  ${result.check}: ${result.remedy}`);
    }
    const count = (status: string) => results.filter((result) => result.status === status).length;
    output.line();
    output.line(`${count('ok')} ok, ${count('warn')} warning(s), ${count('fail')} failure(s), ${count('skip')} skipped`);
    return doctorExitCode(results);
  },
};
