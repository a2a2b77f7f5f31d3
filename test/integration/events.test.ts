import { afterEach, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/define.js';
import { createHourglass } from '../../src/hourglass.js';
import { silentLogger } from '../../src/logger.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { setupTestDatabase } from '../helpers/db.js';
import { openEventStream, type SseClient } from '../helpers/sse.js';
import { waitFor } from '../helpers/wait.js';

const testDb = setupTestDatabase();
const streams: SseClient[] = [];

afterEach(() => {
  for (const stream of streams.splice(0)) stream.close();
});

const jobs = [defineJob({ name: 'tidy', run: async () => ({ tidied: true }) })];

async function stream(api: TestApi, token = api.tokens.viewer): Promise<SseClient> {
  const client = await openEventStream(`${api.url}/api/admin/events`, { authorization: `Bearer ${token}` });
  streams.push(client);
  return client;
}

describe('GET /events', () => {
  it('streams a schedule being created and its run being created, started and finished', async () => {
    const api = await startTestApi(testDb, { jobs, worker: { enabled: true } });
    const events = await stream(api);
    const created = await api.request('POST', '/api/admin/scheduled-jobs', { body: { name: 'Tidy', job_type: 'tidy', cron_expression: '0 3 * * *' } });
    await events.next((event) => event.event === 'schedule.created' && event.data.id === created.body.id);
    const fired = await api.request('POST', `/api/admin/scheduled-jobs/${created.body.id}/trigger`);
    const runId = fired.body.runs[0].id;
    await events.next((event) => event.event === 'run.created' && event.data.id === runId);
    await events.next((event) => event.event === 'run.started' && event.data.id === runId);
    const finished = await events.next((event) => event.event === 'run.finished' && event.data.id === runId);
    expect(finished.data).toMatchObject({ type: 'run.finished', status: 'completed', previous_status: 'running', job_type: 'tidy', scheduled_job_id: created.body.id });
  });

  it("shows a tenant-bound token only its own tenant's changes", async () => {
    const api = await startTestApi(testDb, { jobs });
    const acme = await stream(api, await api.createToken('viewer', 'acme'));
    const everyone = await stream(api);
    const globex = await api.hourglass.runs.enqueue({ jobType: 'tidy', tenantId: 'globex' });
    const mine = await api.hourglass.runs.enqueue({ jobType: 'tidy', tenantId: 'acme' });
    await everyone.next((event) => event.data.id === globex.id);
    await acme.next((event) => event.data.id === mine.id);
    await everyone.next((event) => event.data.id === mine.id);
    expect(acme.events.filter((event) => event.data.tenant_id !== undefined).map((event) => event.data.tenant_id)).toEqual(['acme']);
  });

  it('reports changes made by any process, straight from the database', async () => {
    const api = await startTestApi(testDb, { jobs });
    const events = await stream(api);
    const run = await api.hourglass.runs.enqueue({ jobType: 'tidy' });
    // Another process (here: plain SQL on the same database) changes the run.
    await testDb.db().query(`update "${api.hourglass.config.schema}".job_runs set status = 'cancelled', finished_at = now() where id = $1`, [run.id]);
    const finished = await events.next((event) => event.event === 'run.finished' && event.data.id === run.id);
    expect(finished.data.status).toBe('cancelled');
  });

  it('streams to every API process on the same schema', async () => {
    const api = await startTestApi(testDb, { jobs });
    const second = createHourglass(
      { ...api.hourglass.config, port: 0, api: { ...api.hourglass.config.api, enabled: true }, scheduler: { ...api.hourglass.config.scheduler, enabled: false }, worker: { ...api.hourglass.config.worker, enabled: false } },
      { database: testDb.db(), logger: silentLogger },
    );
    await second.start();
    try {
      const first = await stream(api);
      const other = await openEventStream(`${second.apiUrl}/api/admin/events`, { authorization: `Bearer ${api.tokens.viewer}` });
      streams.push(other);
      const schedule = await second.schedules.create({ name: 'Elsewhere', jobType: 'tidy', cronExpression: '0 4 * * *' });
      await first.next((event) => event.event === 'schedule.created' && event.data.id === schedule.id);
      await other.next((event) => event.event === 'schedule.created' && event.data.id === schedule.id);
    } finally {
      await second.stop();
    }
  });

  it('sends heartbeats on an idle stream and accepts the token as access_token', async () => {
    const api = await startTestApi(testDb, { jobs, api: { sseHeartbeatMs: 50 } });
    const events = await openEventStream(`${api.url}/api/admin/events?access_token=${api.tokens.viewer}`);
    streams.push(events);
    await expect.poll(() => events.comments.some((line) => line.startsWith(': heartbeat')), { timeout: 5000 }).toBe(true);
  });

  it('refuses a stream without a valid token', async () => {
    const api = await startTestApi(testDb, { jobs });
    expect((await api.request('GET', '/api/admin/events', { token: null })).status).toBe(401);
    expect((await api.request('GET', '/api/admin/events?access_token=hg_nope', { token: null })).status).toBe(401);
  });

  it('announces a statement that changes hundreds of runs as one bulk event', async () => {
    const api = await startTestApi(testDb, { jobs });
    const events = await stream(api);
    await testDb.db().query(`insert into "${api.hourglass.config.schema}".job_runs (job_type, trigger) select 'tidy', 'api' from generate_series(1, 250)`);
    const bulk = await events.next((event) => event.event === 'runs.bulk_changed');
    expect(bulk.data.count).toBe(250);
  });

  describe('only while a client streams them', () => {
    /**
     * Every payload on the schema's events channel, read up to a marker NOTIFY sent after the
     * change: notifications arrive in commit order, so whatever the change sent came first.
     */
    async function eventsSentBy(api: TestApi, change: () => Promise<unknown>): Promise<string[]> {
      const channel = `hourglass_${api.hourglass.config.schema}_events`;
      const received: string[] = [];
      const unlisten = await testDb.db().listen(channel, (payload) => received.push(payload));
      try {
        await change();
        await testDb.db().query('select pg_notify($1, $2)', [channel, 'marker']);
        await waitFor(() => received.includes('marker'), { message: 'the marker notification' });
        return received.filter((payload) => payload !== 'marker');
      } finally {
        await unlisten();
      }
    }

    const liveRegistrations = (api: TestApi) =>
      testDb.db().query<{ n: number }>(`select count(*)::int as n from "${api.hourglass.config.schema}".event_subscribers where expires_at > now()`).then((result) => result.rows[0]!.n);

    it('sends no change events while no client streams them', async () => {
      const api = await startTestApi(testDb, { jobs });
      const sent = await eventsSentBy(api, async () => {
        const run = await api.hourglass.runs.enqueue({ jobType: 'tidy' });
        await api.hourglass.runs.cancel(run.id);
        await api.hourglass.schedules.create({ name: 'Quiet', jobType: 'tidy', cronExpression: '0 5 * * *' });
      });
      expect(sent).toEqual([]);
    });

    it('sends them once a client connects, and stops when the last client leaves', async () => {
      const api = await startTestApi(testDb, { jobs });
      const first = await stream(api);
      const second = await stream(api);
      expect(await liveRegistrations(api)).toBe(1);
      first.close();
      const run = await api.hourglass.runs.enqueue({ jobType: 'tidy' });
      await second.next((event) => event.event === 'run.created' && event.data.id === run.id);
      second.close();
      await waitFor(async () => (await liveRegistrations(api)) === 0, { message: 'the registration to be removed' });
      expect(await eventsSentBy(api, () => api.hourglass.runs.enqueue({ jobType: 'tidy' }))).toEqual([]);
    });

    it("checks for subscribers without a sequential scan, which the scheduler's tick turns off", async () => {
      const api = await startTestApi(testDb, { jobs });
      const plan = await testDb.db().transaction(async (tx) => {
        await tx.query('set local enable_seqscan = off');
        const { rows } = await tx.query<{ 'QUERY PLAN': Array<{ Plan: { 'Total Cost': number } }> }>(
          `explain (format json) select exists (select from "${api.hourglass.config.schema}".event_subscribers where expires_at > now())`,
        );
        return rows[0]!['QUERY PLAN'][0]!.Plan;
      });
      // A disabled scan costs 1e10, far above `jit_above_cost`: every tick compiled the check.
      expect(plan['Total Cost']).toBeLessThan(1000);
    });

    it('ignores a registration that expired, as a crashed process leaves it', async () => {
      const api = await startTestApi(testDb, { jobs });
      await testDb.db().query(`insert into "${api.hourglass.config.schema}".event_subscribers (id, expires_at) values (gen_random_uuid(), now() - interval '1 second')`);
      expect(await eventsSentBy(api, () => api.hourglass.runs.enqueue({ jobType: 'tidy' }))).toEqual([]);
      // The next registration clears it away.
      await stream(api);
      const rows = await testDb.db().query<{ n: number }>(`select count(*)::int as n from "${api.hourglass.config.schema}".event_subscribers`);
      expect(rows.rows[0]!.n).toBe(1);
    });
  });
});
