/**
 * `hourglass tokens create|ls|revoke`, and the console URL that `hourglass api` and
 * `hourglass start` print (with a fresh admin token on a database that has none), through the
 * built binary on the current backend.
 */
import { describe, expect, test } from 'vitest';
import { createHourglass } from '../../src/hourglass.js';
import { cliTestKit, runCli, spawnCli, type CliProcess } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const config = 'test/fixtures/cli.config.ts';
const { freshDatabase, track, stop } = cliTestKit();

/** Who a secret authenticates as, asked in-process (PGlite: while no CLI process holds the files). */
async function authenticate(database: ReturnType<typeof freshDatabase>, secret: string) {
  const hourglass = createHourglass({ ...database.config, logLevel: 'silent', scheduler: { enabled: false }, worker: { enabled: false } });
  try {
    return await hourglass.tokens.authenticate(secret);
  } finally {
    await hourglass.stop();
  }
}

describe('hourglass tokens', () => {
  test('create prints the secret once, ls never shows it, revoke ends it; every change audited as cli:<user>', { timeout: 120_000 }, async () => {
    const database = freshDatabase();
    const cli = (...args: string[]) => runCli([...args, '--config', config], database.env);

    const created = await cli('tokens', 'create', '--name', 'ci-bot', '--role', 'operator', '--tenant', 'acme', '--json');
    expect(created.code).toBe(0);
    const token = JSON.parse(created.stdout);
    expect(token).toMatchObject({ name: 'ci-bot', role: 'operator', tenant_id: 'acme', revoked_at: null, last_used_at: null, token: expect.stringMatching(/^hg_[\w-]{43}$/) });
    expect(await authenticate(database, token.token)).toMatchObject({ id: token.id, name: 'ci-bot', tenantId: 'acme' });

    const forPeople = await cli('tokens', 'create', '--name', 'dashboard', '--role', 'viewer');
    expect(forPeople.code).toBe(0);
    expect(forPeople.stdout).toMatch(/^\s+hg_[\w-]{43}$/m);
    expect(forPeople.stdout).toContain('shown only this once');

    const badRole = await cli('tokens', 'create', '--name', 'root', '--role', 'superuser');
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('role');

    const listed = await cli('tokens', 'ls', '--json');
    expect(JSON.parse(listed.stdout).map((item: { name: string }) => item.name)).toEqual(['ci-bot', 'dashboard']);
    expect(listed.stdout).not.toContain(token.token);
    expect(listed.stdout).not.toMatch(/"(token|hash)"/);
    const table = await cli('tokens', 'ls');
    expect(table.stdout).toMatch(/^ID\s+NAME\s+ROLE\s+TENANT\s+CREATED_AT\s+LAST_USED_AT\s+REVOKED_AT$/m);
    expect(table.stdout).toMatch(/ci-bot\s+operator\s+acme/);

    expect((await cli('tokens', 'revoke', 'ci-bot')).code).toBe(0);
    expect((await cli('tokens', 'revoke', 'ci-bot')).code).toBe(1); // already revoked: a state, not bad input
    expect((await cli('tokens', 'revoke', 'nobody')).code).toBe(3);
    expect(await authenticate(database, token.token)).toBeNull();
    const live = await cli('tokens', 'ls', '--json');
    expect(JSON.parse(live.stdout).map((item: { name: string }) => item.name)).toEqual(['dashboard']);
    const all = await cli('tokens', 'ls', '--all', '--json');
    expect(JSON.parse(all.stdout).find((item: { name: string }) => item.name === 'ci-bot').revoked_at).toEqual(expect.any(String));

    const audit = await database.sql<{ actor: string; action: string }>(`select actor, action from hourglass.audit_log where entity = 'api_token' order by id`);
    expect(audit.map((entry) => entry.action)).toEqual(['token.create', 'token.create', 'token.revoke']);
    for (const entry of audit) expect(entry.actor).toMatch(/^cli:./);
  });
});

async function consoleLine(cli: CliProcess): Promise<string> {
  return waitFor(
    () => {
      if (cli.child.exitCode !== null) throw new Error(`exited early:\n${cli.output()}`);
      return /^Console: .*$/m.exec(cli.output())?.[0];
    },
    { timeoutMs: 60_000, message: 'the Console line' },
  );
}

function status(base: string, secret?: string): Promise<number> {
  return fetch(`${base}/api/admin/scheduler/status`, { headers: secret ? { authorization: `Bearer ${secret}` } : {} }).then((response) => response.status);
}

describe('the console URL of hourglass api and start', () => {
  test('the first start on a database without tokens prints an admin token in the URL, later ones the plain URL', { timeout: 120_000 }, async () => {
    const database = freshDatabase();
    const api = track(spawnCli(['api', '--config', config], database.env));
    const first = /^Console: (http:\/\/localhost:(\d+))\/#token=(hg_[\w-]{43})$/.exec(await consoleLine(api));
    expect(first, api.output()).not.toBeNull();
    const [, base, port, secret] = first!;
    expect(Number(port)).toBeGreaterThan(0);
    expect(await status(base!, secret)).toBe(200);
    expect(await status(base!)).toBe(401);
    const stopped = await stop(api);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain('shown only this once');
    expect(stopped.stdout).toContain('hourglass tokens create');
    expect(stopped.stdout).not.toContain('Next slots'); // the api role fires nothing

    const start = track(spawnCli(['start', '--config', config], database.env));
    const second = /^Console: (http:\/\/localhost:\d+)$/.exec(await consoleLine(start));
    expect(second, start.output()).not.toBeNull();
    expect(await status(second![1]!, secret)).toBe(200);
    const stoppedStart = await stop(start);
    expect(stoppedStart.code).toBe(0);
    expect(stoppedStart.stdout).not.toContain('#token=');
    expect(stoppedStart.stdout).toContain('Next slots');
  });
});
