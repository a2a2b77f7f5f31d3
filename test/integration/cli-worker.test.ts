/**
 * What a worker-only process loads: the modules of the roles it does not run (the API's HTTP
 * framework and metrics), of features it does not use (e-mail, pretty logs, the TypeScript
 * loader for a JavaScript config, cron descriptions) and of the other database driver stay out
 * of its memory, and so does Node's built-in fetch (undici), which node-postgres loads on Node 20
 * to detect Cloudflare Workers unless Hourglass loads it (db/pg.ts).
 */
import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { currentBackend } from '../helpers/db.js';
import { cliTestKit, projectRoot, spawnCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const { freshDatabase, track, stop } = cliTestKit();
const recorder = pathToFileURL(join(projectRoot, 'test/fixtures/record-modules.mjs')).href;

/** The packages under node_modules among the recorded module URLs. */
function loadedPackages(urls: string[]): Set<string> {
  const packages = urls.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]).filter((name): name is string => name !== undefined);
  return new Set(packages);
}

describe('hourglass worker', () => {
  test('loads neither the API, e-mail, pretty logs, jiti for a .mjs config, cron descriptions, the fetch built into Node, nor the other database driver', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hourglass-modules-'));
    try {
      const record = join(dir, 'modules.txt');
      const { env } = freshDatabase();
      const worker = track(spawnCli(['worker', '--config', 'test/fixtures/worker.config.mjs'], { ...env, NODE_OPTIONS: `--import=${recorder}`, HG_RECORD_MODULES: record }));
      await waitFor(() => worker.output().includes('hourglass started'), { timeoutMs: 60_000, message: 'the worker to start' });
      expect((await stop(worker)).code).toBe(0);

      const urls = readFileSync(record, 'utf8').trim().split('\n');
      expect(urls.filter((url) => url.startsWith('node:internal/deps/undici'))).toEqual([]);
      const packages = loadedPackages(urls);
      const [used, other] = currentBackend() === 'postgres' ? ['pg', '@electric-sql/pglite'] : ['@electric-sql/pglite', 'pg'];
      expect(packages).toContain(used);
      for (const name of ['fastify', '@fastify/static', '@fastify/rate-limit', 'prom-client', 'nodemailer', 'pino-pretty', 'jiti', 'cronstrue', other]) {
        expect(packages, name).not.toContain(name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
