// `npm test`: builds (the CLI tests run the built binary), points the PostgreSQL leg at the
// local server when TEST_DATABASE_URL is unset and the server answers, then runs vitest.
// Extra arguments go to vitest (`npm test -- test/unit`).
//
// Two phases: every project but `restart`, then, when that passed and PostgreSQL is in use,
// `restart` alone: its test restarts the server, which would break files running beside it.
// The first phase includes the chaos suite's small sizes (project `chaos`). Arguments that
// pick projects themselves (`--project`) get one plain run: `npm run test:chaos` is
// `CHAOS=full … --project chaos --no-file-parallelism`, the full sizes one file at a time.
import { spawnSync } from 'node:child_process';
import pg from 'pg';

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function answers(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const env = { ...process.env };
if (!env.TEST_DATABASE_URL) {
  if (await answers(LOCAL_URL)) env.TEST_DATABASE_URL = LOCAL_URL;
  else console.warn(`PostgreSQL does not answer at ${LOCAL_URL}: running the PGlite leg only (set TEST_DATABASE_URL to run both)`);
}
if (env.TEST_DATABASE_URL && !(await answers(env.TEST_DATABASE_URL))) {
  console.error(`TEST_DATABASE_URL is set but PostgreSQL does not answer at ${env.TEST_DATABASE_URL}`);
  process.exit(1);
}

if (env.CHAOS === 'full' && !env.TEST_DATABASE_URL) {
  console.error('The chaos suite needs PostgreSQL: start it on 127.0.0.1:5432 or set TEST_DATABASE_URL');
  process.exit(1);
}

const run = (command, args) => spawnSync(command, args, { stdio: 'inherit', env }).status ?? 1;
if (run('node', ['scripts/embed-migrations.mjs', '--check']) !== 0) process.exit(1);
if (run('npm', ['run', '--silent', 'build']) !== 0) process.exit(1);
// Tests, examples, scripts and the benchmark are type-checked too (vitest and jiti only strip types).
if (run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) !== 0) process.exit(1);
if (run('npx', ['tsc', '-p', 'bench/tsconfig.json']) !== 0) process.exit(1);
if (run('npx', ['tsc', '-p', 'web/tsconfig.json']) !== 0) process.exit(1);
const args = process.argv.slice(2);
if (args.some((arg) => arg === '--project' || arg.startsWith('--project='))) process.exit(run('npx', ['vitest', 'run', ...args]));
const status = run('npx', ['vitest', 'run', '--project', '!restart', ...args]);
if (status !== 0 || !env.TEST_DATABASE_URL) process.exit(status);
process.exit(run('npx', ['vitest', 'run', '--project', 'restart', '--passWithNoTests', ...args]));
