/**
 * Notifications end to end on a real database, with a real local HTTP receiver (webhook and
 * Slack) and a real local SMTP receiver. Time is controlled through the clock seam; the
 * detection and delivery passes are driven directly (no sleeps).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock } from '../helpers/clock.js';
import { startTestApi } from '../helpers/api.js';
import { deliverPass, detectPass } from '../../src/notifications/passes.js';
import { resolveConfig } from '../../src/config/load.js';
import type { HourglassConfigInput } from '../../src/config/schema.js';
import type { Runtime } from '../../src/runtime.js';
import { defineJob } from '../../src/define.js';
import { waitFor, waitForRunStatus } from '../helpers/wait.js';

const testDb = setupTestDatabase();

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

interface Receiver {
  url: string;
  received: Received[];
  /** Statuses answered in order; 200 once exhausted. */
  statuses: number[];
  close(): Promise<void>;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = statuses.shift() ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  closers.push(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, statuses, close };
}

const SECRET = 'test-secret';
const T0 = '2026-03-02T10:00:00.000Z';

async function setup(notifications: NonNullable<HourglassConfigInput['notifications']>) {
  const clock = createTestClock(T0);
  const hourglass = await testDb.create({ port: 9999, notifications: { settleMs: 0, retryBaseMs: 1000, retryMaxMs: 4000, ...notifications } }, { clock, random: () => 0.5 });
  const rt = await hourglass.ready();
  const q = rt.schema.quoted;
  return { clock, hourglass, rt, q };
}

async function failRuns(rt: Runtime, count: number, finishedAt: Date, extra: { scheduleId?: string; tenantId?: string } = {}): Promise<string[]> {
  const { rows } = await rt.db.query<{ id: string }>(
    `insert into ${rt.schema.quoted}.job_runs (job_type, trigger, status, attempt, max_attempts, started_at, finished_at, error_message, scheduled_job_id, tenant_id)
     select 'import-orders', 'cron', 'failed', 3, 3, $1, $1, 'connection refused', $3, $4 from generate_series(1, $2) returning id`,
    [finishedAt, count, extra.scheduleId ?? null, extra.tenantId ?? null],
  );
  return rows.map((row) => row.id);
}

async function deliveries(rt: Runtime) {
  const { rows } = await rt.db.query<{ rule: string; channel: string; status: string; attempts: number; last_error: string | null; payload: any; run_id: string | null }>(
    `select * from ${rt.schema.quoted}.notification_deliveries order by created_at, id`,
  );
  return rows;
}

describe('notifications', () => {
  it('sends one signed webhook for a failed run, with the run in the body', async () => {
    const receiver = await startReceiver();
    const { clock, rt } = await setup({
      rules: [{ name: 'failures', on: 'run_failed', channels: ['hook'] }],
      channels: { hook: { type: 'webhook', url: receiver.url, secret: SECRET } },
    });
    await detectPass(rt); // sets the watermark at T0: history before the rule is not reported
    const [runId] = await failRuns(rt, 1, clock.advance(1000));
    clock.advance(1000);
    expect(await detectPass(rt)).toMatchObject({ ran: true, messages: 1, deliveries: 1 });
    expect(await deliverPass(rt)).toMatchObject({ claimed: 1, delivered: 1 });

    expect(receiver.received).toHaveLength(1);
    const { headers, body } = receiver.received[0]!;
    const timestamp = headers['x-hourglass-timestamp'] as string;
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
    expect(headers['x-hourglass-signature']).toBe(expected);
    expect(Number(timestamp)).toBe(Math.floor(clock.current().getTime() / 1000));
    const message = JSON.parse(body);
    expect(message).toMatchObject({ event: 'run_failed', rule: 'failures', kind: 'incident', total: 1, title: 'Run of "import-orders" failed' });
    expect(message.examples[0]).toMatchObject({ runId, detail: 'connection refused', url: `http://localhost:9999/#/runs/${runId}` });

    const [row] = await deliveries(rt);
    expect(row).toMatchObject({ status: 'delivered', attempts: 1, run_id: runId });
    // Nothing new: nothing more is queued.
    clock.advance(1000);
    expect(await detectPass(rt)).toMatchObject({ messages: 0 });
  });

  it('retries after receiver errors with backoff and delivers on the third attempt', async () => {
    const receiver = await startReceiver();
    receiver.statuses.push(500, 500);
    const { clock, rt } = await setup({
      rules: [{ name: 'failures', on: 'run_failed', channels: ['hook'] }],
      channels: { hook: { type: 'webhook', url: receiver.url, secret: SECRET } },
    });
    await detectPass(rt);
    await failRuns(rt, 1, clock.advance(1000));
    await detectPass(rt);

    expect(await deliverPass(rt)).toMatchObject({ claimed: 1, retrying: 1 });
    expect((await deliveries(rt))[0]).toMatchObject({ status: 'pending', attempts: 1, last_error: 'HTTP 500: ok' });
    // Not due yet: backoff (1000 ms bound, random 0.5 → 750 ms).
    expect(await deliverPass(rt)).toMatchObject({ claimed: 0 });
    clock.advance(750);
    expect(await deliverPass(rt)).toMatchObject({ claimed: 1, retrying: 1 });
    clock.advance(1499);
    expect(await deliverPass(rt)).toMatchObject({ claimed: 0 });
    clock.advance(1);
    expect(await deliverPass(rt)).toMatchObject({ claimed: 1, delivered: 1 });
    expect(receiver.received).toHaveLength(3);
    expect((await deliveries(rt))[0]).toMatchObject({ status: 'delivered', attempts: 3, last_error: null });
  });

  it('gives up as failed after maxAttempts', async () => {
    const receiver = await startReceiver();
    receiver.statuses.push(503, 503, 503);
    const { clock, rt } = await setup({
      maxAttempts: 2,
      rules: [{ name: 'failures', on: 'run_failed', channels: ['hook'] }],
      channels: { hook: { type: 'webhook', url: receiver.url, secret: SECRET } },
    });
    await detectPass(rt);
    await failRuns(rt, 1, clock.advance(1000));
    await detectPass(rt);
    await deliverPass(rt);
    clock.advance(10_000);
    expect(await deliverPass(rt)).toMatchObject({ claimed: 1, failed: 1 });
    clock.advance(10_000);
    expect(await deliverPass(rt)).toMatchObject({ claimed: 0 });
    expect((await deliveries(rt))[0]).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('groups 50 runs failing at once into one message', async () => {
    const receiver = await startReceiver();
    const { clock, rt } = await setup({
      rules: [{ name: 'failures', on: 'run_failed', channels: ['hook'] }],
      channels: { hook: { type: 'webhook', url: receiver.url, secret: SECRET } },
    });
    await detectPass(rt);
    await failRuns(rt, 50, clock.advance(1000));
    expect(await detectPass(rt)).toMatchObject({ messages: 1, deliveries: 1 });
    await deliverPass(rt);
    expect(receiver.received).toHaveLength(1);
    const message = JSON.parse(receiver.received[0]!.body);
    expect(message).toMatchObject({ total: 50, title: '50 runs failed' });
    expect(message.examples).toHaveLength(5);
  });

  it('applies rule filters', async () => {
    const receiver = await startReceiver();
    const { clock, rt } = await setup({
      rules: [{ name: 'acme', on: 'run_failed', filter: { tenantId: 'acme' }, channels: ['hook'] }],
      channels: { hook: { type: 'webhook', url: receiver.url, secret: SECRET } },
    });
    await detectPass(rt);
    const at = clock.advance(1000);
    await failRuns(rt, 3, at, { tenantId: 'other' });
    await failRuns(rt, 2, at, { tenantId: 'acme' });
    await detectPass(rt);
    await deliverPass(rt);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ total: 2 });
  });

  it('reports consecutive failures once, then a recovery when the schedule succeeds again', async () => {
    const receiver = await startReceiver();
    const { clock, rt, q } = await setup({
      rules: [{ name: 'streak', on: 'consecutive_failures', threshold: 3, channels: ['hook'] }],
      channels: { hook: { type: 'webhook', url: receiver.url, secret: SECRET } },
    });
    const { rows } = await rt.db.query<{ id: string }>(
      `insert into ${q}.scheduled_jobs (name, key, execution_mode, job_type, schedule_type, cron_expression) values ('Nightly import', 'nightly', 'single_job', 'import-orders', 'cron', '0 2 * * *') returning id`,
    );
    const scheduleId = rows[0]!.id;
    const setStreak = (n: number, status: string) => rt.db.query(`update ${q}.scheduled_jobs set consecutive_failures = $2, last_status = $3, last_error = 'boom' where id = $1`, [scheduleId, n, status]);

    await setStreak(2, 'failed');
    expect(await detectPass(rt)).toMatchObject({ messages: 0 });
    await setStreak(3, 'failed');
    expect(await detectPass(rt)).toMatchObject({ messages: 1 });
    await setStreak(4, 'failed');
    clock.advance(1000);
    expect(await detectPass(rt)).toMatchObject({ messages: 0 }); // one incident, one message
    await setStreak(0, 'completed');
    expect(await detectPass(rt)).toMatchObject({ messages: 1 });
    expect(await detectPass(rt)).toMatchObject({ messages: 0 });
    await deliverPass(rt);

    const bodies = receiver.received.map((r) => JSON.parse(r.body)).sort((a, b) => (a.kind === 'incident' ? -1 : b.kind === 'incident' ? 1 : 0));
    expect(bodies.map((b) => [b.kind, b.title])).toEqual([
      ['incident', 'Schedule "Nightly import" failed 3 times in a row'],
      ['recovery', 'Schedule "Nightly import" recovered'],
    ]);
    expect(bodies[0].examples[0]).toMatchObject({ scheduledJobId: scheduleId, scheduleKey: 'nightly', url: `http://localhost:9999/#/schedules/${scheduleId}` });
  });

  it('reports silent workers and runs running too long', async () => {
    const receiver = await startReceiver();
    const { clock, rt, q } = await setup({
      rules: [
        { name: 'silent', on: 'worker_silent', threshold: 60_000, channels: ['hook'] },
        { name: 'long', on: 'run_too_long', threshold: 60_000, channels: ['hook'] },
      ],
      channels: { hook: { type: 'webhook', url: receiver.url, secret: SECRET } },
    });
    await rt.db.query(`insert into ${q}.workers (id, role, hostname, pid, version, concurrency, heartbeat_at) values (gen_random_uuid(), 'worker', 'box-1', 42, '1.0.0', 4, $1)`, [clock.current()]);
    await rt.db.query(`insert into ${q}.job_runs (job_type, trigger, status, started_at) values ('import-orders', 'api', 'running', $1)`, [clock.current()]);
    expect(await detectPass(rt)).toMatchObject({ messages: 0 });
    clock.advance(60_001);
    expect(await detectPass(rt)).toMatchObject({ messages: 2 });
    expect(await detectPass(rt)).toMatchObject({ messages: 0 });
    await rt.db.query(`update ${q}.workers set heartbeat_at = $1`, [clock.current()]);
    expect(await detectPass(rt)).toMatchObject({ messages: 1 }); // the worker is back
    await deliverPass(rt);
    const titles = receiver.received.map((r) => JSON.parse(r.body).title).sort();
    expect(titles).toEqual(['Run of "import-orders" running for more than 1m', 'Worker box-1 (pid 42, worker) is back or stopped', 'Worker box-1 (pid 42, worker) silent for more than 1m']);
  });

  it('posts a readable Slack message with a console link', async () => {
    const receiver = await startReceiver();
    const { clock, rt } = await setup({
      rules: [{ name: 'failures', on: 'run_failed', channels: ['slack'] }],
      channels: { slack: { type: 'slack', webhookUrl: receiver.url } },
    });
    await detectPass(rt);
    const [runId] = await failRuns(rt, 1, clock.advance(1000));
    await detectPass(rt);
    await deliverPass(rt);
    const body = JSON.parse(receiver.received[0]!.body);
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toContain('*Run of "import-orders" failed*');
    expect(body.text).toContain(`<http://localhost:9999/#/runs/${runId}|import-orders> — connection refused`);
  });

  it('sends e-mail over SMTP with plain text and HTML', async () => {
    const messages: string[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          messages.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    closers.push(() => new Promise<void>((resolve) => smtp.close(() => resolve())));
    const port = (smtp.server.address() as AddressInfo).port;
    const { clock, rt } = await setup({
      rules: [{ name: 'failures', on: 'run_failed', channels: ['mail'] }],
      channels: { mail: { type: 'smtp', host: '127.0.0.1', port, from: 'hourglass@example.com', to: ['ops@example.com'] } },
    });
    await detectPass(rt);
    const [runId] = await failRuns(rt, 1, clock.advance(1000));
    await detectPass(rt);
    expect(await deliverPass(rt)).toMatchObject({ delivered: 1 });
    expect(messages).toHaveLength(1);
    const raw = messages[0]!.replace(/=\r?\n/g, '');
    expect(raw).toMatch(/^Subject: =\?UTF-8\?Q\?=5BHourglass=5D_Run_of/m);
    expect(raw).toContain('To: ops@example.com');
    expect(raw).toContain('\nRun of "import-orders" failed\r\n- import-orders: connection refused');
    expect(raw).toContain('<h2>Run of &quot;import-orders&quot; failed</h2>');
    expect(raw).toContain('Content-Type: text/plain');
    expect(raw).toContain('Content-Type: text/html');
    expect(raw).toContain(`/#/runs/${runId}`);
  });

  it('end to end: a job failing in the real worker is reported by the running notifier loop', async () => {
    const receiver = await startReceiver();
    const failing = defineJob({
      name: 'always-fails',
      async run() {
        throw new Error('upstream is down');
      },
    });
    const hourglass = await testDb.create({
      jobs: [failing],
      worker: { enabled: true },
      notifications: {
        pollMs: 50,
        // Not 0: a failure is stamped when its outcome transaction starts and becomes visible at
        // commit; a pass in between would move the watermark past it (what settleMs is for).
        settleMs: 500,
        rules: [{ name: 'failures', on: 'run_failed', filter: { jobType: 'always-fails' }, channels: ['hook'] }],
        channels: { hook: { type: 'webhook', url: receiver.url, secret: SECRET } },
      },
    });
    await hourglass.start();
    // The notifier's first pass sets the rule's watermark; only failures after it are reported.
    await waitFor(async () => {
      const rt = await hourglass.ready();
      const { rows } = await rt.db.query(`select 1 from ${rt.schema.quoted}.notification_watermarks`);
      return rows.length > 0 || null;
    });
    const run = await hourglass.runs.enqueue({ jobType: 'always-fails', maxAttempts: 1 });
    await waitForRunStatus(hourglass, run.id, ['failed']);
    await waitFor(() => receiver.received.length > 0 || null, { message: 'webhook delivery' });
    const message = JSON.parse(receiver.received[0]!.body);
    expect(message).toMatchObject({ event: 'run_failed', total: 1, examples: [{ runId: run.id, detail: 'upstream is down' }] });
  });

  it('reports auto-paused schedules, missed slots and late runs', async () => {
    const receiver = await startReceiver();
    const { clock, rt, q } = await setup({
      rules: [
        { name: 'paused', on: 'schedule_auto_paused', channels: ['hook'] },
        { name: 'missed', on: 'slot_missed', channels: ['hook'] },
        { name: 'late', on: 'run_late', threshold: 30_000, channels: ['hook'] },
      ],
      channels: { hook: { type: 'webhook', url: receiver.url, secret: SECRET } },
    });
    const { rows } = await rt.db.query<{ id: string }>(
      `insert into ${q}.scheduled_jobs (name, key, execution_mode, job_type, schedule_type, cron_expression) values ('Hourly sync', 'hourly', 'single_job', 'sync', 'cron', '0 * * * *') returning id`,
    );
    const id = rows[0]!.id;
    expect(await detectPass(rt)).toMatchObject({ messages: 0 });
    const at = clock.advance(1000);
    await rt.db.query(`update ${q}.scheduled_jobs set status = 'paused', pause_note = 'paused automatically after 3 consecutive failures', last_missed_at = $2, missed_count = 2 where id = $1`, [id, at]);
    await rt.db.query(`insert into ${q}.job_runs (job_type, trigger, status, run_after) values ('sync', 'api', 'pending', $1)`, [at]);
    clock.advance(30_001);
    expect(await detectPass(rt)).toMatchObject({ messages: 3 });
    await rt.db.query(`update ${q}.scheduled_jobs set status = 'active', pause_note = null where id = $1`, [id]);
    expect(await detectPass(rt)).toMatchObject({ messages: 1 });
    await deliverPass(rt);
    const titles = receiver.received.map((r) => JSON.parse(r.body).title).sort();
    expect(titles).toEqual([
      'Run of "sync" not started 30s after it was due',
      'Schedule "Hourly sync" is no longer paused',
      'Schedule "Hourly sync" missed slots',
      'Schedule "Hourly sync" was paused automatically',
    ]);
  });

  it('rejects a rule naming an unknown channel', () => {
    expect(() =>
      resolveConfig({ dataDir: 'memory://', notifications: { rules: [{ name: 'x', on: 'run_failed', channels: ['nope'] }], channels: {} } }),
    ).toThrow(/unknown channel "nope"/);
  });

  it('lists rules, redacted channels and deliveries at GET /api/admin/notifications', async () => {
    const api = await startTestApi(testDb, {
      notifications: {
        enabled: false,
        rules: [{ name: 'failures', on: 'run_failed', channels: ['hook', 'slack'] }],
        channels: {
          hook: { type: 'webhook', url: 'https://user:pw@example.com/hook?token=abc', secret: 'shh' },
          slack: { type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T/B/XYZ' },
        },
      },
    });
    const rt = await api.hourglass.ready();
    await rt.db.query(
      `insert into ${rt.schema.quoted}.notification_deliveries (rule, channel, incident_key, payload, created_at) select 'failures', 'hook', 'k' || n, '{"title":"t","kind":"incident","total":1,"event":"run_failed"}', now() - n * interval '1 second' from generate_series(1, 3) n`,
    );
    const first = await api.request('GET', '/api/admin/notifications?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.rules).toEqual([{ name: 'failures', on: 'run_failed', threshold: null, filter: null, channels: ['hook', 'slack'] }]);
    expect(JSON.stringify(first.body.channels)).not.toMatch(/shh|pw|abc|XYZ/);
    expect(first.body.channels.hook).toMatchObject({ type: 'webhook', secret: '***' });
    expect(first.body.deliveries.items).toHaveLength(2);
    expect(first.body.deliveries.items[0]).toMatchObject({ rule: 'failures', channel: 'hook', status: 'pending', title: 't' });
    const second = await api.request('GET', `/api/admin/notifications?limit=2&cursor=${first.body.deliveries.next_cursor}`);
    expect(second.body.deliveries.items).toHaveLength(1);
    expect(second.body.deliveries.next_cursor).toBeNull();
    expect((await api.request('GET', '/api/admin/notifications', { token: api.tokens.operator })).status).toBe(403);
  });
});
