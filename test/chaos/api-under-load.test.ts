/**
 * Chaos scenario 7, the admin API under load: many concurrent HTTP clients, each with a token
 * of its own, spread over two `hourglass start` processes, for a fixed time: they read lists of
 * schedules and runs, create schedules, pause and resume them, and trigger them. Every client
 * remembers what it did.
 *
 * Promises checked: no 5xx (nor any other refusal: every request is valid), and the final state
 * matches what the clients did: each schedule a client created exists with the status it last
 * set, and has exactly as many manual runs as it was triggered, each completed (the two
 * processes' workers execute them). The p50 / p99 response times are reported.
 *
 * Full: 200 clients for 60 s. Subset: 40 clients for 10 s. Needs PostgreSQL and the built CLI.
 */
import { describe, expect, test } from 'vitest';
import { setupTestDatabase } from '../helpers/db.js';
import { setupCluster, type Cluster } from '../helpers/cluster.js';
import { chaosSize, percentile, reportChaos } from '../helpers/chaos-report.js';
import { chaosJobs } from '../fixtures/chaos-jobs.js';

const env = setupTestDatabase();
const clusters = setupCluster(env);

const SCHEDULES = '/api/admin/scheduled-jobs';
/** Never due during the test: the schedules' runs are the triggered ones only. */
const NEW_YEAR = '0 0 1 1 *';

interface Size {
  processes: number;
  clients: number;
  seconds: number;
}

const size = chaosSize<Size>({
  subset: { processes: 2, clients: 40, seconds: 10 },
  full: { processes: 2, clients: 200, seconds: 60 },
});

type Operation = 'list schedules' | 'list runs' | 'create' | 'pause' | 'resume' | 'trigger';

interface Response {
  operation: Operation;
  status: number;
  ms: number;
  body: any;
}

/** What one client did to the schedules it created. */
interface OwnSchedule {
  id: string;
  status: 'active' | 'paused';
  triggers: number;
}

interface Client {
  responses: Response[];
  schedules: OwnSchedule[];
}

async function send(baseUrl: string, token: string, operation: Operation, path: string, method = 'GET', body?: unknown): Promise<Response> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { operation, status: response.status, ms: performance.now() - started, body: text ? JSON.parse(text) : null };
}

/** One client's loop until `deadline`: a random mix, weighted toward reads. */
async function runClient(baseUrl: string, token: string, index: number, deadline: number): Promise<Client> {
  const client: Client = { responses: [], schedules: [] };
  for (let request = 0; Date.now() < deadline; request += 1) {
    const own = client.schedules[Math.floor(Math.random() * client.schedules.length)];
    const roll = Math.random();
    let response: Response;
    if (roll < 0.3) response = await send(baseUrl, token, 'list schedules', `${SCHEDULES}?limit=20`);
    else if (roll < 0.5) response = await send(baseUrl, token, 'list runs', '/api/admin/job-runs?limit=20');
    else if (roll < 0.65 || !own) {
      const body = { name: `client ${index} schedule ${request}`, job_type: 'chaos-work', cron_expression: NEW_YEAR };
      response = await send(baseUrl, token, 'create', SCHEDULES, 'POST', body);
      if (response.status === 201) client.schedules.push({ id: response.body.id, status: 'active', triggers: 0 });
    } else if (roll < 0.8) {
      const action = own.status === 'active' ? 'pause' : 'resume';
      response = await send(baseUrl, token, action, `${SCHEDULES}/${own.id}/${action}`, 'POST');
      if (response.status === 200) own.status = action === 'pause' ? 'paused' : 'active';
    } else {
      response = await send(baseUrl, token, 'trigger', `${SCHEDULES}/${own.id}/trigger`, 'POST');
      if (response.status === 201) own.triggers += 1;
    }
    client.responses.push(response);
  }
  return client;
}

/** The API base URL of a started process, on loopback. */
async function apiUrlOf(cluster: Cluster, index: number): Promise<string> {
  const member = cluster.members()[index]!;
  const started = await member.waitForLog((line) => line.msg === 'hourglass started');
  return String(started.api).replace('localhost', '127.0.0.1');
}

async function readFinalState(cluster: Cluster) {
  const { rows } = await cluster.db.query<{ id: string; status: string; manual: number; completed: number }>(
    `select j.id, j.status,
            count(r.id)::int as manual,
            count(r.id) filter (where r.status = 'completed')::int as completed
     from "${cluster.schema}".scheduled_jobs j
     left join "${cluster.schema}".job_runs r on r.scheduled_job_id = j.id and r.trigger = 'manual'
     group by j.id, j.status`,
  );
  return new Map(rows.map((row) => [row.id, row]));
}

async function runApiUnderLoad(size: Size): Promise<void> {
  const startedAt = performance.now();
  const cluster = await clusters.create({ name: 'hg-chaos-api', config: 'chaos.config.ts', jobs: chaosJobs });
  await cluster.start('start', size.processes);
  const urls = await Promise.all(Array.from({ length: size.processes }, (_, index) => apiUrlOf(cluster, index)));
  const tokens: string[] = [];
  for (let index = 0; index < size.clients; index += 1) tokens.push((await cluster.owner.tokens.create({ name: `client-${index}`, role: 'admin' })).secret);

  const loadStartedAt = performance.now();
  const deadline = Date.now() + size.seconds * 1000;
  const clients = await Promise.all(tokens.map((token, index) => runClient(urls[index % urls.length]!, token, index, deadline)));
  const loadMs = performance.now() - loadStartedAt;
  const own = clients.flatMap((client) => client.schedules);
  const triggered = own.reduce((sum, schedule) => sum + schedule.triggers, 0);
  const manualRuns = await cluster.settleRuns(`trigger = 'manual'`, [], 120_000);
  const final = await readFinalState(cluster);
  await cluster.stopGracefully();

  const responses = clients.flatMap((client) => client.responses);
  const latencies = responses.map((response) => response.ms);
  const byStatus = (test: (status: number) => boolean) => responses.filter((response) => test(response.status)).length;
  const refused = responses.filter((response) => response.status >= 300);
  const count = (operation: Operation) => responses.filter((response) => response.operation === operation).length;
  await reportChaos('api-under-load', {
    sizes: size,
    figures: {
      requests: responses.length,
      requestsPerSecond: Math.round(responses.length / (loadMs / 1000)),
      listSchedules: count('list schedules'),
      listRuns: count('list runs'),
      created: count('create'),
      pausedOrResumed: count('pause') + count('resume'),
      triggered: count('trigger'),
      status2xx: byStatus((status) => status < 300),
      status4xx: byStatus((status) => status >= 400 && status < 500),
      status5xx: byStatus((status) => status >= 500),
      p50Ms: Math.round(percentile(latencies, 50)),
      p99Ms: Math.round(percentile(latencies, 99)),
      maxMs: Math.round(percentile(latencies, 100)),
      manualRunsCompleted: manualRuns.completed ?? 0,
    },
    wallMs: performance.now() - startedAt,
  });

  expect(refused.slice(0, 5).map((response) => `${response.operation}: ${response.status} ${JSON.stringify(response.body)}`)).toEqual([]);
  expect(final.size).toBe(own.length);
  const mismatches = own.filter((schedule) => {
    const row = final.get(schedule.id);
    return row?.status !== schedule.status || row.manual !== schedule.triggers || row.completed !== schedule.triggers;
  });
  expect(mismatches).toEqual([]);
  expect(manualRuns).toEqual(triggered > 0 ? { completed: triggered } : {});
}

describe('many concurrent API clients against two start processes', () => {
  test('get no error, and leave exactly the state they asked for', () => runApiUnderLoad(size));
});
