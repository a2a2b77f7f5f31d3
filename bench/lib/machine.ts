/**
 * What the figures were measured on: the machine, Node, PostgreSQL (`select version()`), and
 * the installed versions of the systems and drivers under test.
 */
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type, arch } from 'node:os';
import { join } from 'node:path';
import { readPostgresVersion } from './admin-db.ts';
import { benchDir } from './processes.ts';

const rootDir = join(benchDir, '..');
const packageNames = ['graphile-worker', 'pg-boss', 'pg', '@electric-sql/pglite'];

function versionOf(packageJson: string): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

export async function describeMachine(databaseUrl: string) {
  const processors = cpus();
  return {
    machine: {
      cpus: processors.length,
      model: processors[0]?.model ?? 'unknown',
      memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
      os: `${type()} ${release()} ${arch()}`,
      node: process.version,
      postgres: await readPostgresVersion(databaseUrl),
    },
    packages: {
      hourglass: versionOf(join(rootDir, 'package.json')),
      ...Object.fromEntries(packageNames.map((name) => [name, versionOf(join(rootDir, 'node_modules', name, 'package.json'))])),
    },
  };
}
