/**
 * The environment names of SPEC §6 and where each lands in the config. This table is the only
 * place that knows both the environment name and the config path.
 */
import { ErrorCode, HourglassError } from '../errors.js';

type Parser = (raw: string, name: string) => unknown;

const asString: Parser = (raw) => raw;
const asInteger: Parser = (raw, name) => {
  if (!/^\d+$/.test(raw.trim())) {
    throw new HourglassError(ErrorCode.invalidConfig, `${name}: expected a whole number, got "${raw}"`, { field: name });
  }
  return Number(raw);
};

export const envTable: ReadonlyArray<{ name: string; path: readonly string[]; parse: Parser }> = [
  { name: 'DATABASE_URL', path: ['databaseUrl'], parse: asString },
  { name: 'HOURGLASS_SCHEMA', path: ['schema'], parse: asString },
  { name: 'HOURGLASS_PORT', path: ['port'], parse: asInteger },
  { name: 'HOURGLASS_DATA_DIR', path: ['dataDir'], parse: asString },
  { name: 'JOB_SCHEDULER_POLL_MS', path: ['scheduler', 'pollMs'], parse: asInteger },
  { name: 'JOB_WORKER_POLL_MS', path: ['worker', 'pollMs'], parse: asInteger },
  { name: 'JOB_SCHEDULER_BATCH', path: ['scheduler', 'batchSize'], parse: asInteger },
  { name: 'JOB_WORKER_BATCH', path: ['worker', 'batchSize'], parse: asInteger },
  { name: 'HOURGLASS_CONCURRENCY', path: ['worker', 'concurrency'], parse: asInteger },
  { name: 'LOG_LEVEL', path: ['logLevel'], parse: asString },
];

/** The config overrides found in `env` (empty values are ignored). */
export function readEnvOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const entry of envTable) {
    const raw = env[entry.name];
    if (raw === undefined || raw === '') continue;
    let target = overrides;
    for (const key of entry.path.slice(0, -1)) {
      target = (target[key] ??= {}) as Record<string, unknown>;
    }
    target[entry.path.at(-1)!] = entry.parse(raw, entry.name);
  }
  return overrides;
}
