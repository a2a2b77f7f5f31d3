/**
 * The runs service (SPEC §6): enqueue defaults and validation that writes nothing, filtered
 * lists with cursors, lookups, cancel and retry state rules, the audit log, and tenant
 * scoping through the actor.
 */
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock } from '../helpers/clock.js';
import { rejected } from '../helpers/errors.js';

const env = setupTestDatabase();

const jobs = [
  defineJob({ name: 'report', group: 'etl', maxAttempts: 5, timeout: '2m', payload: z.object({ brandId: z.number().int() }), async run() {} }),
  defineJob({ name: 'sync', group: 'etl', async run() {} }),
  defineJob({ name: 'cleanup', async run() {} }),
];

async function setup() {
  const clock = createTestClock('2026-03-10T12:00:00Z');
  const hg = await env.create({ jobs }, { clock });
  return { hg, clock };
}

async function countRows(hg: Hourglass) {
  const { db } = await hg.ready();
  const schema = `"${hg.config.schema}"`;
  const { rows } = await db.query<{ runs: number; audit: number }>(
    `select (select count(*)::int from ${schema}.job_runs) as runs, (select count(*)::int from ${schema}.audit_log) as audit`,
  );
  return rows[0]!;
}

async function auditRows(hg: Hourglass) {
  const { db } = await hg.ready();
  const { rows } = await db.query<{ actor: string; action: string; entity: string; entity_id: string }>(
    `select actor, action, entity, entity_id from "${hg.config.schema}".audit_log order by id`,
  );
  return rows;
}

describe('enqueueing a run', () => {
  test('creates a pending api run with the defaults of its job type', async () => {
    const { hg, clock } = await setup();
    const run = await hg.runs.enqueue({ jobType: 'report', payload: { brandId: 7 } }, { name: 'ops@example.com' });
    expect(run).toMatchObject({
      jobType: 'report', trigger: 'api', status: 'pending', attempt: 0, maxAttempts: 5, timeoutSeconds: 120,
      payload: { brandId: 7 }, scheduledJobId: null, batchId: null, tenantId: null, createdBy: 'ops@example.com',
    });
    expect(run.runAfter).toEqual(clock.current());
    const other = await hg.runs.enqueue({ jobType: 'cleanup' });
    expect(other).toMatchObject({ maxAttempts: 3, payload: {}, createdBy: 'library' });
  });

  test('with an unknown job type is unknown_job_type and writes nothing', async () => {
    const { hg } = await setup();
    const before = await countRows(hg);
    const error = await rejected(hg.runs.enqueue({ jobType: 'nope' }));
    expect({ code: error.code, field: error.field }).toEqual({ code: 'unknown_job_type', field: 'job_type' });
    expect(await countRows(hg)).toEqual(before);
  });

  test("with a payload that fails the job's schema is a validation_error on the payload field and writes nothing", async () => {
    const { hg } = await setup();
    const before = await countRows(hg);
    for (const payload of [{ brandId: 'seven' }, {}]) {
      const error = await rejected(hg.runs.enqueue({ jobType: 'report', payload }));
      expect(error.code).toBe('validation_error');
      expect(error.field).toBe('payload.brandId');
    }
    expect(await countRows(hg)).toEqual(before);
  });

  test('with input of the wrong shape is a validation_error naming the field', async () => {
    const { hg } = await setup();
    const before = await countRows(hg);
    for (const [input, field] of [
      [{ jobType: 'cleanup', payload: [1] }, 'payload'],
      [{ jobType: 'cleanup', priority: '9' }, 'priority'],
      [{ jobType: 'cleanup', urgent: true }, 'urgent'],
    ] as const) {
      const error = await rejected(hg.runs.enqueue(input as never));
      expect({ code: error.code, field: error.field }).toEqual({ code: 'validation_error', field });
    }
    expect(await countRows(hg)).toEqual(before);
  });
});

describe('enqueueing many runs', () => {
  test('inserts every run in input order with its own defaults, and one audit entry for the call', async () => {
    const { hg, clock } = await setup();
    const ids = await hg.runs.enqueueMany([
      { jobType: 'report', payload: { brandId: 1 } },
      { jobType: 'cleanup', priority: 5, metadata: { source: 'bulk' } },
      { jobType: 'sync', runAfter: new Date('2026-03-10T13:00:00Z'), tenantId: 'acme' },
    ]);
    expect(ids).toHaveLength(3);
    const runs = await Promise.all(ids.map((id) => hg.runs.get(id)));
    expect(runs.map((run) => run.jobType)).toEqual(['report', 'cleanup', 'sync']);
    expect(runs[0]).toMatchObject({ trigger: 'api', status: 'pending', maxAttempts: 5, timeoutSeconds: 120, payload: { brandId: 1 }, createdBy: 'library' });
    expect(runs[0]!.runAfter).toEqual(clock.current());
    expect(runs[1]).toMatchObject({ priority: 5, payload: {}, metadata: { source: 'bulk' } });
    expect(runs[2]).toMatchObject({ tenantId: 'acme', runAfter: new Date('2026-03-10T13:00:00Z') });
    expect(await auditRows(hg)).toEqual([{ actor: 'library', action: 'run.enqueue_many', entity: 'job_run', entity_id: null }]);
  });

  test('one invalid input rejects the whole call, naming its index, and writes nothing', async () => {
    const { hg } = await setup();
    const before = await countRows(hg);
    const badPayload = await rejected(hg.runs.enqueueMany([{ jobType: 'cleanup' }, { jobType: 'report', payload: { brandId: 'x' } }]));
    expect(badPayload).toMatchObject({ code: 'validation_error', field: '[1].payload.brandId' });
    const unknown = await rejected(hg.runs.enqueueMany([{ jobType: 'nope' }]));
    expect(unknown).toMatchObject({ code: 'unknown_job_type', field: '[0].job_type' });
    expect(unknown.message).toMatch(/^\[0\] /);
    expect(await countRows(hg)).toEqual(before);
    expect(await hg.runs.enqueueMany([])).toEqual([]);
    expect(await countRows(hg)).toEqual(before);
  });

  // More than one statement's worth of runs (2,000) goes in chunks inside one transaction.
  test('a call bigger than one chunk stores every run in input order with one audit entry', async () => {
    const { hg } = await setup();
    const inputs = Array.from({ length: 4501 }, (_, index) => ({ jobType: index % 2 ? 'cleanup' : 'report', payload: { brandId: index } }));
    const ids = await hg.runs.enqueueMany(inputs, { name: 'ops@example.com' });
    expect(ids).toHaveLength(4501);
    expect(new Set(ids).size).toBe(4501);
    const { db } = await hg.ready();
    const { rows } = await db.query<{ id: string; job_type: string; brand: number; created_by: string }>(
      `select id, job_type, (payload->>'brandId')::int as brand, created_by from "${hg.config.schema}".job_runs`,
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(ids.map((id) => byId.get(id)?.brand)).toEqual(inputs.map((_, index) => index));
    expect(rows.every((row) => row.created_by === 'ops@example.com')).toBe(true);
    expect(await auditRows(hg)).toEqual([{ actor: 'ops@example.com', action: 'run.enqueue_many', entity: 'job_run', entity_id: null }]);
    const { rows: audit } = await db.query<{ after: unknown }>(`select after from "${hg.config.schema}".audit_log`);
    expect(audit[0]!.after).toEqual({ count: 4501, job_types: ['report', 'cleanup'] });
  });

  test('an invalid input in a later chunk rejects the whole call and writes nothing', async () => {
    const { hg } = await setup();
    const before = await countRows(hg);
    const inputs = Array.from({ length: 4500 }, () => ({ jobType: 'cleanup' as string, payload: {} as Record<string, unknown> }));
    inputs[4321] = { jobType: 'report', payload: { brandId: 'x' } };
    const error = await rejected(hg.runs.enqueueMany(inputs));
    expect(error).toMatchObject({ code: 'validation_error', field: '[4321].payload.brandId' });
    expect(await countRows(hg)).toEqual(before);
    // The connection is usable again: the rolled-back transaction left nothing behind.
    expect(await hg.runs.enqueueMany(inputs.slice(0, 3000))).toHaveLength(3000);
  });
});

describe('listing runs', () => {
  async function seed(hg: Hourglass, clock: ReturnType<typeof createTestClock>) {
    const single = await hg.schedules.create({ name: 'Cleanup', jobType: 'cleanup', cronExpression: '0 3 * * *' });
    const group = await hg.schedules.create({ name: 'ETL', jobGroup: 'etl', cronExpression: '0 4 * * *', payload: { brandId: 1 } });
    const enqueued = await hg.runs.enqueue({ jobType: 'cleanup' });
    clock.advance(1000);
    const manual = (await hg.schedules.trigger(single.id)).runs[0]!;
    clock.advance(1000);
    const batch = (await hg.schedules.trigger(group.id)).runs;
    clock.advance(1000);
    await hg.runs.cancel(enqueued.id);
    return { single, group, enqueued, manual, batch };
  }
  const ids = (page: { items: Array<{ id: string }> }) => page.items.map((item) => item.id).sort();

  test('filters by status, job type, trigger, schedule and batch', async () => {
    const { hg, clock } = await setup();
    const { single, group, enqueued, manual, batch } = await seed(hg, clock);
    const batchIds = batch.map((run) => run.id).sort();
    expect(batch).toHaveLength(2);
    expect(ids(await hg.runs.list({ status: 'cancelled' }))).toEqual([enqueued.id]);
    expect(ids(await hg.runs.list({ status: 'pending' }))).toEqual([manual.id, ...batchIds].sort());
    expect(ids(await hg.runs.list({ jobType: 'cleanup' }))).toEqual([enqueued.id, manual.id].sort());
    expect(ids(await hg.runs.list({ trigger: 'api' }))).toEqual([enqueued.id]);
    expect(ids(await hg.runs.list({ trigger: 'manual' }))).toEqual([manual.id, ...batchIds].sort());
    expect(ids(await hg.runs.list({ scheduledJobId: single.id }))).toEqual([manual.id]);
    expect(ids(await hg.runs.list({ scheduledJobId: group.id }))).toEqual(batchIds);
    expect(ids(await hg.runs.list({ batchId: batch[0]!.batchId! }))).toEqual(batchIds);
    expect((await hg.runs.list({ jobType: 'cleanup', status: 'pending' })).items.map((run) => run.id)).toEqual([manual.id]);
  });

  test('pages of two walk every run exactly once, newest first', async () => {
    const { hg, clock } = await setup();
    await seed(hg, clock);
    // Two runs in the same instant: the cursor must still tell them apart.
    await hg.runs.enqueue({ jobType: 'cleanup' });
    await hg.runs.enqueue({ jobType: 'cleanup' });
    const all = await hg.runs.list();
    expect(all.items).toHaveLength(6);
    const created = all.items.map((run) => run.createdAt.getTime());
    expect(created).toEqual([...created].sort((a, b) => b - a));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await hg.runs.list({ limit: 2, cursor });
      expect(result.items.length).toBeLessThanOrEqual(2);
      seen.push(...result.items.map((item) => item.id));
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(all.items.map((item) => item.id));
  });

  test('a garbage cursor or a malformed id filter is a validation_error naming it', async () => {
    const { hg } = await setup();
    const forged = Buffer.from(JSON.stringify(['not a date', 'nor an id'])).toString('base64url');
    for (const [options, field] of [
      [{ cursor: 'garbage!' }, 'cursor'],
      [{ cursor: forged }, 'cursor'],
      [{ scheduledJobId: 'nightly' }, 'scheduled_job_id'],
      [{ batchId: '42' }, 'batch_id'],
    ] as const) {
      const error = await rejected(hg.runs.list(options));
      expect({ code: error.code, field: error.field }).toEqual({ code: 'validation_error', field });
    }
  });
});

describe('reading a run', () => {
  test('get of a non-uuid or unknown id is not_found', async () => {
    const { hg } = await setup();
    const run = await hg.runs.enqueue({ jobType: 'cleanup' });
    expect((await hg.runs.get(run.id)).id).toBe(run.id);
    expect((await rejected(hg.runs.get('not-a-uuid'))).code).toBe('not_found');
    expect((await rejected(hg.runs.get('2b1f0c4e-0000-4000-8000-000000000000'))).code).toBe('not_found');
    expect((await rejected(hg.runs.logs('2b1f0c4e-0000-4000-8000-000000000000'))).code).toBe('not_found');
  });
});

describe('cancel and retry', () => {
  test('cancelling a pending run ends it at once; cancelling it again is invalid_state', async () => {
    const { hg } = await setup();
    const run = await hg.runs.enqueue({ jobType: 'cleanup' });
    const cancelled = await hg.runs.cancel(run.id, { name: 'ops@example.com' });
    expect(cancelled).toMatchObject({ status: 'cancelled', errorMessage: 'cancelled by ops@example.com' });
    const before = await countRows(hg);
    expect((await rejected(hg.runs.cancel(run.id))).code).toBe('invalid_state');
    expect(await countRows(hg)).toEqual(before);
  });

  test('retrying a pending run is invalid_state; a finished one is copied into a new retry run', async () => {
    const { hg } = await setup();
    const run = await hg.runs.enqueue({ jobType: 'report', payload: { brandId: 3 }, priority: 4 });
    const before = await countRows(hg);
    expect((await rejected(hg.runs.retry(run.id))).code).toBe('invalid_state');
    expect(await countRows(hg)).toEqual(before);
    await hg.runs.cancel(run.id);
    const retried = await hg.runs.retry(run.id, { name: 'ops@example.com' });
    expect(retried).toMatchObject({ trigger: 'retry', status: 'pending', retryOf: run.id, jobType: 'report', payload: { brandId: 3 }, priority: 4, attempt: 0, createdBy: 'ops@example.com' });
    expect(retried.id).not.toBe(run.id);
  });

  test('every change is in the audit log with its actor and action', async () => {
    const { hg } = await setup();
    const ops = { name: 'ops@example.com' };
    const run = await hg.runs.enqueue({ jobType: 'cleanup' }, ops);
    await hg.runs.cancel(run.id, ops);
    const retried = await hg.runs.retry(run.id, ops);
    expect(await auditRows(hg)).toEqual([
      { actor: 'ops@example.com', action: 'run.enqueue', entity: 'job_run', entity_id: run.id },
      { actor: 'ops@example.com', action: 'run.cancel', entity: 'job_run', entity_id: run.id },
      { actor: 'ops@example.com', action: 'run.retry', entity: 'job_run', entity_id: retried.id },
    ]);
  });
});

describe('tenant scoping of runs', () => {
  const alice = { name: 'alice', tenantId: 'tenant-a' };
  const bob = { name: 'bob', tenantId: 'tenant-b' };

  test("an actor bound to a tenant neither sees nor touches another tenant's runs", async () => {
    const { hg } = await setup();
    const theirs = await hg.runs.enqueue({ jobType: 'cleanup' }, bob);
    expect(theirs.tenantId).toBe('tenant-b');
    const before = await countRows(hg);
    for (const call of [() => hg.runs.get(theirs.id, alice), () => hg.runs.logs(theirs.id, {}, alice), () => hg.runs.cancel(theirs.id, alice)]) {
      expect((await rejected(call())).code).toBe('not_found');
    }
    expect(await countRows(hg)).toEqual(before);
    expect((await hg.runs.get(theirs.id)).status).toBe('pending');
    await hg.runs.cancel(theirs.id, bob);
    expect((await rejected(hg.runs.retry(theirs.id, alice))).code).toBe('not_found');
    expect((await hg.runs.list({}, alice)).items).toEqual([]);
    expect((await rejected(hg.runs.list({ tenantId: 'tenant-b' }, alice))).code).toBe('forbidden');
  });

  test('runs an actor enqueues land in its tenant, and another tenant is refused', async () => {
    const { hg } = await setup();
    expect((await rejected(hg.runs.enqueue({ jobType: 'cleanup', tenantId: 'tenant-b' }, alice))).code).toBe('forbidden');
    const mine = await hg.runs.enqueue({ jobType: 'cleanup' }, alice);
    expect(mine.tenantId).toBe('tenant-a');
    await hg.runs.enqueue({ jobType: 'cleanup' }, bob);
    expect((await hg.runs.list({}, alice)).items.map((run) => run.id)).toEqual([mine.id]);
    expect((await hg.runs.list({ tenantId: 'tenant-a' })).items.map((run) => run.id)).toEqual([mine.id]);
  });
});
