/**
 * `applyImport` (the one write path of every importer) on hand-made plans: a rejected row
 * writes nothing and the others go on, the counts add up, a second run changes nothing, a
 * changed row is updated with its changed fields listed, counters are kept, ids are kept, and a
 * dry run reports exactly what a real run does while writing nothing.
 */
import { describe, expect, test } from 'vitest';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import { applyImport } from '../../src/import/apply.js';
import type { ImportCandidate, ImportPlan, ImportReport } from '../../src/import/plan.js';
import type { ScheduledJob } from '../../src/model.js';
import { setupTestDatabase } from '../helpers/db.js';
import { createTestClock } from '../helpers/clock.js';

const env = setupTestDatabase();
const jobs = [defineJob({ name: 'sync', async run() {} }), defineJob({ name: 'report', async run() {} })];
const NOW = '2026-07-01T08:30:00Z';

async function setup() {
  return env.create({ jobs }, { clock: createTestClock(NOW) });
}

function candidate(ref: string, input: Partial<ImportCandidate['input']> = {}, extra: Partial<ImportCandidate> = {}): ImportCandidate {
  return { sourceRef: `legacy:${ref}`, label: `row ${ref}`, input: { name: `Row ${ref}`, jobType: 'sync', cronExpression: '0 2 * * *', ...input }, ...extra };
}

function plan(candidates: ImportCandidate[], rejected: ImportPlan['rejected'] = []): ImportPlan {
  return { source: 'test plan', rowsRead: candidates.length + rejected.length, candidates, rejected };
}

async function countRows(hg: Hourglass) {
  const { db } = await hg.ready();
  const schema = `"${hg.config.schema}"`;
  const { rows } = await db.query<{ schedules: number; audit: number; versions: number }>(
    `select (select count(*)::int from ${schema}.scheduled_jobs) as schedules,
            (select count(*)::int from ${schema}.audit_log where action = 'schedule.import') as audit,
            (select coalesce(sum(version), 0)::int from ${schema}.scheduled_jobs) as versions`,
  );
  return rows[0]!;
}

async function scheduleByRef(hg: Hourglass, sourceRef: string): Promise<ScheduledJob> {
  const page = await hg.schedules.list({ source: 'import', limit: 500 });
  const found = page.items.find((item) => item.sourceRef === sourceRef);
  if (!found) throw new Error(`no schedule with source_ref ${sourceRef}`);
  return found;
}

function expectCountsAddUp(report: ImportReport): void {
  expect(report.created + report.updated + report.unchanged + report.rejected).toBe(report.read);
  expect(report.rows).toHaveLength(report.read);
}

const mixedPlan = () =>
  plan(
    [
      candidate('1'),
      candidate('2', { cronExpression: '61 * * * *' }),
      candidate('3', { timezone: 'Mars/Olympus' }),
      candidate('4', { jobType: 'no_such_job' }),
      candidate('5', { cronExpression: '*/15 * * * *', timezone: 'Europe/Paris', tenantId: 'acme', status: 'paused', payload: { brand_id: 7 } }),
    ],
    [{ sourceRef: 'legacy:6', label: 'row 6', reason: 'schedule_time: expected HH:MM' }],
  );

describe('applying a plan', () => {
  test('creates the good rows, rejects the bad ones with their reason, and the counts add up', async () => {
    const hg = await setup();
    const report = await applyImport(hg, mixedPlan());
    expect(report).toMatchObject({ source: 'test plan', dryRun: false, read: 6, created: 2, updated: 0, unchanged: 0, rejected: 4 });
    expectCountsAddUp(report);
    const reasons = Object.fromEntries(report.rows.filter((row) => row.action === 'reject').map((row) => [row.sourceRef, row.reason]));
    expect(reasons['legacy:2']).toMatch(/cron/i);
    expect(reasons['legacy:3']).toContain('Mars/Olympus');
    expect(reasons['legacy:4']).toContain('no_such_job');
    expect(reasons['legacy:6']).toBe('schedule_time: expected HH:MM');

    const created = await scheduleByRef(hg, 'legacy:5');
    expect(created).toMatchObject({ source: 'import', name: 'Row 5', tenantId: 'acme', status: 'paused', timezone: 'Europe/Paris', payload: { brand_id: 7 }, createdBy: 'library' });
    // next_run_at as on create: the first slot after now (paused schedules keep theirs).
    expect(created.nextRunAt?.toISOString()).toBe('2026-07-01T08:45:00.000Z');
    expect(await countRows(hg)).toMatchObject({ schedules: 2, audit: 2 });
  });

  test('a second run finds everything unchanged and writes nothing', async () => {
    const hg = await setup();
    await applyImport(hg, mixedPlan());
    const before = await countRows(hg);
    const again = await applyImport(hg, mixedPlan());
    expect(again).toMatchObject({ read: 6, created: 0, updated: 0, unchanged: 2, rejected: 4 });
    expectCountsAddUp(again);
    expect(await countRows(hg)).toEqual(before);
  });

  test('a changed row is updated, its changed fields listed and its next slot recomputed', async () => {
    const hg = await setup();
    await applyImport(hg, plan([candidate('1'), candidate('2')]));
    const report = await applyImport(hg, plan([candidate('1', { cronExpression: '30 9 * * *', payload: { limit: 5 } }), candidate('2')]));
    expect(report).toMatchObject({ created: 0, updated: 1, unchanged: 1, rejected: 0 });
    expect(report.rows.find((row) => row.action === 'update')?.changes).toEqual(['payload', 'cron_expression']);
    const updated = await scheduleByRef(hg, 'legacy:1');
    expect(updated).toMatchObject({ cronExpression: '30 9 * * *', payload: { limit: 5 }, version: 2 });
    expect(updated.nextRunAt?.toISOString()).toBe('2026-07-01T09:30:00.000Z');
    expect((await countRows(hg)).audit).toBe(3);
  });

  test('keeps the counters a legacy system kept, on create and on update', async () => {
    const hg = await setup();
    const counters = { runCount: 10, successCount: 8, failureCount: 2, consecutiveFailures: 1, lastStatus: 'failed', lastError: 'boom', lastRunAt: new Date('2026-06-30T02:00:00Z') };
    await applyImport(hg, plan([candidate('1', {}, { counters })]));
    expect(await scheduleByRef(hg, 'legacy:1')).toMatchObject(counters);
    const report = await applyImport(hg, plan([candidate('1', {}, { counters: { ...counters, runCount: 11, consecutiveFailures: 0 } })]));
    expect(report.rows[0]).toMatchObject({ action: 'update', changes: ['run_count', 'consecutive_failures'] });
    expect(await scheduleByRef(hg, 'legacy:1')).toMatchObject({ runCount: 11, consecutiveFailures: 0, lastError: 'boom' });
  });

  test('keeps a given id, and rejects a second row with the same identity', async () => {
    const hg = await setup();
    const id = '6f1c1b4e-5d0a-4a43-9a57-3d4f6c0b8e21';
    const report = await applyImport(hg, plan([candidate('1', { source: 'api' }, { id }), candidate('2'), candidate('2', { name: 'Twin' })]));
    expect(report).toMatchObject({ created: 2, rejected: 1 });
    expect(report.rows[2]!.reason).toContain('twice');
    expect(await hg.schedules.get(id)).toMatchObject({ source: 'api', name: 'Row 1' });
    const again = await applyImport(hg, plan([candidate('1', { source: 'api', name: 'Renamed' }, { id })]));
    expect(again.rows[0]).toMatchObject({ action: 'update', scheduleId: id, changes: ['name'] });
  });

  test('refuses a plan whose rows do not add up to the rows read', async () => {
    const hg = await setup();
    await expect(applyImport(hg, { ...plan([candidate('1')]), rowsRead: 3 })).rejects.toThrow(/inconsistent/);
    expect((await countRows(hg)).schedules).toBe(0);
  });
});

describe('dry run', () => {
  test('reports what a real run does and writes nothing', async () => {
    const hg = await setup();
    await applyImport(hg, plan([candidate('1')]));
    const changed = () => plan([candidate('1', { cronExpression: '0 3 * * *' }), candidate('2'), candidate('3', { cronExpression: 'bad' })]);
    const before = await countRows(hg);
    const dry = await applyImport(hg, changed(), { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, read: 3, created: 1, updated: 1, unchanged: 0, rejected: 1 });
    expect(await countRows(hg)).toEqual(before);
    expect((await scheduleByRef(hg, 'legacy:1')).cronExpression).toBe('0 2 * * *');

    const real = await applyImport(hg, changed());
    const strip = (report: ImportReport) => report.rows.map(({ scheduleId: _, ...row }) => row);
    expect(strip(real)).toEqual(strip(dry));
    expect({ ...real, rows: [], dryRun: true }).toEqual({ ...dry, rows: [] });
  });
});
