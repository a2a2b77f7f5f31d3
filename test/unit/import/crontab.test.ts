import { describe, expect, it } from 'vitest';
import { nameFromCommand, parseCrontab } from '../../../src/import/crontab.js';
import { commandJob } from '../../../src/registry/builtin/command.js';
import { createRegistry } from '../../../src/registry/registry.js';
import { normalizeSchedule, parseWith, scheduleInputSchema } from '../../../src/services/schedule-input.js';

const crontab = `# m h dom mon dow command
SHELL=/bin/bash
MAILTO=""
PATH = "/usr/local/bin:/usr/bin:/bin"

0 2 * * * /usr/local/bin/backup.sh --full >/dev/null 2>&1
CRON_TZ=Europe/Paris
30 6 * * 1-5   curl -fsS https://example.com/ping
@daily /opt/app/bin/rotate-logs
TZ='America/New_York'
*/15 * * * * date +\\%Y-\\%m-\\%d >> /tmp/dates.log
`;

const byName = (plan: ReturnType<typeof parseCrontab>, name: string) => plan.candidates.find((candidate) => candidate.input.name === name);

describe('parsing schedule lines', () => {
  const plan = parseCrontab(crontab, { file: '/etc/crontabs/app' });

  it('makes one inactive command schedule per line, run through the shell as cron runs it', () => {
    expect(plan.source).toBe('crontab /etc/crontabs/app');
    expect(plan.rowsRead).toBe(4);
    expect(plan.rejected).toEqual([]);
    expect(plan.candidates.map((candidate) => candidate.input.name)).toEqual(['backup.sh --full', 'curl -fsS https://example.com/ping', 'rotate-logs', 'date +%Y-%m-%d']);
    const backup = byName(plan, 'backup.sh --full')!;
    expect(backup.input).toMatchObject({
      description: 'Imported from crontab app: /usr/local/bin/backup.sh --full >/dev/null 2>&1',
      jobType: 'command',
      cronExpression: '0 2 * * *',
      timezone: 'UTC',
      status: 'inactive',
      source: 'import',
      sourceRef: backup.sourceRef,
      overlapPolicy: 'allow',
      payload: {
        argv: ['/bin/bash', '-c', '/usr/local/bin/backup.sh --full >/dev/null 2>&1'],
        env: { SHELL: '/bin/bash', MAILTO: '', PATH: '/usr/local/bin:/usr/bin:/bin' },
      },
      metadata: { crontab: { file: 'app' } },
    });
    expect(backup.label).toBe('line 6: 0 2 * * * /usr/local/bin/backup.sh --full >/dev/null 2>&1');
    expect(backup.sourceRef).toMatch(/^crontab:app:[0-9a-f]{12}$/);
  });

  it('reads CRON_TZ and TZ as the zone of the lines after them; TZ also stays in the environment', () => {
    expect(byName(plan, 'backup.sh --full')!.input.timezone).toBe('UTC');
    expect(byName(plan, 'curl -fsS https://example.com/ping')!.input).toMatchObject({ timezone: 'Europe/Paris', cronExpression: '30 6 * * 1-5' });
    expect(byName(plan, 'rotate-logs')!.input).toMatchObject({ timezone: 'Europe/Paris', cronExpression: '@daily' });
    const dates = byName(plan, 'date +%Y-%m-%d')!.input;
    expect(dates.timezone).toBe('America/New_York');
    expect((dates.payload as { env: Record<string, string> }).env).toMatchObject({ TZ: 'America/New_York' });
    expect((dates.payload as { env: Record<string, string> }).env).not.toHaveProperty('CRON_TZ');
  });

  it('turns \\% into % as cron does', () => {
    expect((byName(plan, 'date +%Y-%m-%d')!.input.payload as { argv: string[] }).argv[2]).toBe('date +%Y-%m-%d >> /tmp/dates.log');
  });

  it('produces inputs the schedules service accepts and payloads the command job type accepts', () => {
    const registry = createRegistry([], [commandJob]);
    for (const candidate of plan.candidates) {
      const columns = normalizeSchedule(parseWith(scheduleInputSchema, candidate.input), registry);
      expect(columns.status).toBe('inactive');
      expect(commandJob.payload!.safeParse(candidate.input.payload).success).toBe(true);
    }
  });

  it('accepts every nickname but @reboot', () => {
    const nicknames = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
    const result = parseCrontab([...nicknames.map((nickname) => `${nickname} echo ${nickname.slice(1)}`), '@reboot /opt/start.sh'].join('\n'), { file: 'crontab' });
    expect(result.candidates.map((candidate) => candidate.input.cronExpression)).toEqual(nicknames);
    expect(result.rejected).toEqual([{ sourceRef: 'crontab:crontab:line:8', label: 'line 8: @reboot /opt/start.sh', reason: 'unsupported: @reboot runs at boot, not on a schedule' }]);
    expect(result.rowsRead).toBe(8);
  });

  it('reads the user field of a system crontab into the metadata', () => {
    const result = parseCrontab('17 * * * * root cd / && run-parts --report /etc/cron.hourly\n@weekly www-data /srv/cleanup.sh\n', { file: '/etc/crontab', userField: true });
    expect(result.rejected).toEqual([]);
    expect(result.candidates.map((candidate) => [candidate.input.name, candidate.input.metadata])).toEqual([
      ['cd / && run-parts --report /etc/cron.hourly', { crontab: { file: 'crontab', user: 'root' } }],
      ['cleanup.sh', { crontab: { file: 'crontab', user: 'www-data' } }],
    ]);
    expect((result.candidates[0]!.input.payload as { argv: string[] }).argv).toEqual(['/bin/sh', '-c', 'cd / && run-parts --report /etc/cron.hourly']);
    expect(result.candidates[1]!.input.description).toBe('Imported from crontab crontab (user www-data): /srv/cleanup.sh');
  });
});

describe('rejections', () => {
  const text = [
    '61 * * * * /bin/true', // 1
    '* * * * /bin/true', // 2: four fields then a command? no: "/bin/true" is the 5th field and there is no command
    '@every5m /bin/true', // 3
    'CRON_TZ=Mars/Olympus', // 4
    '0 1 * * * /bin/after-bad-zone', // 5
    'CRON_TZ=Asia/Tokyo', // 6
    '0 1 * * * echo 50% done', // 7
    '0 1 * * * /bin/ok', // 8
  ].join('\n');
  const plan = parseCrontab(text, { file: 'crontab' });
  const reasons = Object.fromEntries(plan.rejected.map((rejection) => [rejection.label.split(':')[0], rejection.reason]));

  it('reports bad lines with their line number and reason and keeps the good ones', () => {
    expect(plan.rowsRead).toBe(6);
    expect(plan.candidates.map((candidate) => [candidate.input.name, candidate.input.timezone])).toEqual([['ok', 'Asia/Tokyo']]);
    expect(Object.keys(reasons)).toEqual(['line 1', 'line 2', 'line 3', 'line 5', 'line 7']);
    expect(reasons['line 1']).toMatch(/^invalid cron "61 \* \* \* \*": /);
    expect(reasons['line 2']).toMatch(/expected 5 time fields and a command/);
    expect(reasons['line 3']).toMatch(/unknown nickname "@every5m"/);
    expect(reasons['line 5']).toMatch(/^invalid CRON_TZ "Mars\/Olympus" \(line 4\): unknown time zone/);
    expect(reasons['line 7']).toMatch(/unescaped %/);
  });

  it('rejects a system crontab line without a command after the user', () => {
    const result = parseCrontab('0 1 * * * root\n', { file: 'crontab', userField: true });
    expect(result.rejected[0]!.reason).toMatch(/expected 5 time fields, a user and a command/);
  });
});

describe('identity across re-imports', () => {
  const refs = (text: string) => parseCrontab(text, { file: 'crontab' }).candidates.map((candidate) => candidate.sourceRef);
  const base = '0 2 * * * /bin/backup\n*/5 * * * * /bin/poll\n0 3 * * * /bin/backup\n';

  it('gives an unchanged file the same plan', () => {
    expect(parseCrontab(base, { file: 'crontab' })).toEqual(parseCrontab(base, { file: 'crontab' }));
  });

  it('keeps every schedule input the same when comments and blank lines are inserted', () => {
    const before = parseCrontab(base, { file: 'crontab' }).candidates.map(({ sourceRef, input }) => ({ sourceRef, input }));
    const after = parseCrontab(`# managed by ops\n\n${base.replace('\n', '\n# poll the queue\n')}`, { file: 'crontab' }).candidates.map(({ sourceRef, input }) => ({ sourceRef, input }));
    expect(after).toEqual(before);
  });

  it('tells repeated commands apart by occurrence and keeps refs unique', () => {
    const list = refs(base);
    expect(new Set(list).size).toBe(3);
    expect(list[2]).toBe(`${list[0]}-2`);
  });

  it('keeps the ref when the time or zone of a line changes, so the import updates it', () => {
    expect(refs('CRON_TZ=Europe/Berlin\n30 4 * * * /bin/poll\n')).toEqual([refs(base)[1]]);
  });

  it('separates the same command in different files and for different users', () => {
    const other = parseCrontab(base, { file: 'other' }).candidates.map((candidate) => candidate.sourceRef);
    expect(other[0]).not.toBe(refs(base)[0]);
    const users = parseCrontab('0 2 * * * root /bin/backup\n0 2 * * * app /bin/backup\n', { file: 'crontab', userField: true }).candidates.map((candidate) => candidate.sourceRef);
    expect(users[1]).not.toBe(`${users[0]}-2`);
    expect(new Set(users).size).toBe(2);
  });
});

describe('nameFromCommand', () => {
  it.each([
    ['/usr/local/bin/backup.sh --full > /var/log/backup.log 2>&1', 'backup.sh --full'],
    ['FOO=1 /opt/bin/sync --all &>/dev/null', 'sync --all'],
    ['php /var/www/artisan schedule:run >> /dev/null 2>&1', 'php /var/www/artisan schedule:run'],
    ['> /dev/null', 'crontab command'],
    [`echo ${'x'.repeat(100)}`, `echo ${'x'.repeat(54)}…`],
  ])('%j → %j', (command, name) => {
    expect(nameFromCommand(command)).toBe(name);
  });
});
