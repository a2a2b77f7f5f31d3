/**
 * `hourglass migrate [--print]`: applies pending migrations (one transaction, advisory lock),
 * or prints their SQL for a DBA to review and apply.
 */
import { loadConfig } from '../../config/load.js';
import { createLogger } from '../../logger.js';
import { createHourglass } from '../../hourglass.js';
import { printMigrations } from '../../db/migrate.js';
import { createSchemaName } from '../../db/schema-name.js';
import { migrations } from '../../db/migrations.generated.js';
import type { Command } from './index.js';

export const migrateCommand: Command = {
  summary: 'apply database migrations (--print shows the SQL)',
  usage: 'Usage: hourglass migrate [--print] [--json] [--config PATH]',
  options: { print: { type: 'boolean' } },
  async run({ values, output, configPath, json }) {
    const { config } = await loadConfig({ configPath, overrides: { scheduler: { enabled: false }, worker: { enabled: false } } });
    if (values.print) {
      output.line(printMigrations(createSchemaName(config.schema)));
      return 0;
    }
    const hourglass = createHourglass(config, { role: 'migrate', logger: createLogger({ level: config.logLevel, destination: 2 }) });
    try {
      await hourglass.ready();
      const latest = migrations.at(-1)?.id ?? 0;
      if (json) output.json({ schema: config.schema, version: latest });
      else output.line(`schema "${config.schema}" is at migration ${latest} (${config.databaseUrl ? 'PostgreSQL' : `embedded, ${config.dataDir}`})`);
      return 0;
    } finally {
      await hourglass.stop();
    }
  },
};
