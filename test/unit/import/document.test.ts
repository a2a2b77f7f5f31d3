import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { DEFINITION_FIELDS, exportDocument, planFromDocument } from '../../../src/import/document.js';
import type { ScheduledJob } from '../../../src/model.js';
import { inputFromSchedule, scheduleInputSchema } from '../../../src/services/schedule-input.js';
import { thrown } from '../../helpers/errors.js';

const EXPORTED_AT = new Date('2026-07-01T08:30:00Z');

function schedule(overrides: Partial<ScheduledJob>): ScheduledJob {
  return {
    id: '0190a0c4-1a2b-7c3d-8e4f-5a6b7c8d9e0f',
    key: null,
    name: 'Nightly sync',
    description: null,
    tenantId: null,
    source: 'api',
    sourceRef: null,
    executionMode: 'single_job',
    jobType: 'sync',
    jobGroup: null,
    jobTypes: null,
    payload: {},
    metadata: {},
    scheduleType: 'cron',
    cronExpression: '0 2 * * *',
    timezone: 'UTC',
    intervalSeconds: null,
    runAt: null,
    status: 'active',
    pausedUntil: null,
    pauseNote: null,
    missedRunPolicy: 'skip',
    catchUpWindowSeconds: 86_400,
    overlapPolicy: 'skip',
    dstGap: 'shift',
    dstOverlap: 'first',
    exclusions: [],
    pauseAfterFailures: null,
    maxAttempts: null,
    timeoutSeconds: null,
    priority: 0,
    jitterSeconds: 0,
    nextRunAt: new Date('2026-07-02T02:00:00Z'),
    lastRunAt: new Date('2026-07-01T02:00:00Z'),
    lastMissedAt: null,
    lastRunId: '0190a0c4-0000-7000-8000-000000000001',
    lastStatus: 'completed',
    lastError: null,
    runCount: 12,
    successCount: 11,
    failureCount: 1,
    consecutiveFailures: 0,
    skippedCount: 0,
    missedCount: 0,
    suppressedCount: 0,
    createdBy: 'library',
    updatedBy: 'library',
    createdAt: new Date('2026-06-01T00:00:00Z'),
    updatedAt: new Date('2026-06-02T00:00:00Z'),
    version: 3,
    ...overrides,
  };
}

const schedules: ScheduledJob[] = [
  schedule({ key: 'daily-full-sync', source: 'code', status: 'inactive', executionMode: 'all_jobs', jobType: null }),
  schedule({
    id: '0190a0c4-1a2b-7c3d-8e4f-5a6b7c8d9e10',
    name: 'Brand 7 scoring',
    tenantId: 'customer-1',
    executionMode: 'custom',
    jobType: null,
    jobTypes: ['data_collection', 'scoring'],
    payload: { brand_id: 7, collectors: ['news'] },
    metadata: { owner: 'ops' },
    cronExpression: '30 6 * * 1-5',
    timezone: 'Europe/Paris',
    status: 'paused',
    pausedUntil: new Date('2026-08-01T00:00:00Z'),
    pauseNote: 'holidays',
    overlapPolicy: 'queue',
    exclusions: [{ cron: '* 0-6 * * SAT,SUN', reason: 'weekend nights' }],
    maxAttempts: 3,
    timeoutSeconds: 900,
    priority: 5,
    jitterSeconds: 30,
  }),
  schedule({ id: '0190a0c4-1a2b-7c3d-8e4f-5a6b7c8d9e11', name: 'Feed refresh', scheduleType: 'interval', cronExpression: null, intervalSeconds: 900, runAt: new Date('2026-07-01T00:00:00Z'), executionMode: 'group', jobType: null, jobGroup: 'feeds' }),
  schedule({ id: '0190a0c4-1a2b-7c3d-8e4f-5a6b7c8d9e12', name: 'One-off scrape', scheduleType: 'once', cronExpression: null, runAt: new Date('2026-09-01T13:00:00Z'), source: 'import', sourceRef: 'crontab:app:0123456789ab', missedRunPolicy: 'run_once', pauseAfterFailures: 2 }),
];

describe('exportDocument', () => {
  const document = exportDocument(schedules, { exportedAt: EXPORTED_AT });

  it('writes the version, the time and each schedule definition in snake_case without runtime state', () => {
    expect(document.hourglass_export).toBe(1);
    expect(document.exported_at).toBe('2026-07-01T08:30:00.000Z');
    expect(Object.keys(document.schedules[0]!).sort()).toEqual(['id', ...DEFINITION_FIELDS.map((field) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))].sort());
    expect(document.schedules[1]).toMatchObject({ tenant_id: 'customer-1', job_types: ['data_collection', 'scoring'], paused_until: '2026-08-01T00:00:00.000Z', pause_note: 'holidays' });
    for (const absent of ['run_count', 'next_run_at', 'last_run_at', 'version', 'created_at', 'updated_by']) expect(document.schedules[0]).not.toHaveProperty(absent);
  });

  it('survives JSON text unchanged', () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });
});

describe('planFromDocument', () => {
  const text = JSON.stringify(exportDocument(schedules, { exportedAt: EXPORTED_AT }));
  const plan = planFromDocument(JSON.parse(text), 'export.json');

  it('gives each schedule a candidate with its id and the inputs it was defined with', () => {
    expect(plan).toMatchObject({ source: 'document export.json', rowsRead: 4, rejected: [] });
    expect(plan.candidates.map((candidate) => candidate.id)).toEqual(schedules.map((row) => row.id));
    plan.candidates.forEach((candidate, index) => {
      const expected = scheduleInputSchema.parse(inputFromSchedule(schedules[index]!));
      expect(scheduleInputSchema.parse(candidate.input)).toEqual(expected);
    });
  });

  it('keeps the source and source_ref of the document (code stays code, a null ref stays null)', () => {
    expect(plan.candidates[0]!.input).toMatchObject({ source: 'code', sourceRef: null, key: 'daily-full-sync' });
    expect(plan.candidates[3]!.input).toMatchObject({ source: 'import', sourceRef: 'crontab:app:0123456789ab' });
    expect(plan.candidates[3]!.sourceRef).toBe('crontab:app:0123456789ab');
    expect(plan.candidates[0]!.label).toBe(`Nightly sync (${schedules[0]!.id})`);
  });

  it('reads an empty export', () => {
    expect(planFromDocument({ hourglass_export: 1, exported_at: '2026-07-01T08:30:00Z', schedules: [] }, 'empty.json')).toEqual({ source: 'document empty.json', rowsRead: 0, candidates: [], rejected: [] });
  });
});

describe('a bad document', () => {
  const good = () => JSON.parse(JSON.stringify(exportDocument(schedules, { exportedAt: EXPORTED_AT }))) as { hourglass_export: number; schedules: Record<string, unknown>[] };

  it.each([
    ['not an export', [1, 2], /export\.json: not a valid Hourglass export document: expected an object with "hourglass_export"/],
    ['another version', { ...good(), hourglass_export: 2 }, /hourglass_export: expected 1/],
    ['a bad field', (() => { const doc = good(); doc.schedules[2]!.interval_seconds = 'often'; return doc; })(), /schedules\[2\]\.interval_seconds: /],
    ['an unknown field', (() => { const doc = good(); doc.schedules[1]!.run_count = 3; return doc; })(), /schedules\[1\]\.run_count: /],
    ['a missing id', (() => { const doc = good(); delete doc.schedules[0]!.id; return doc; })(), /schedules\[0\]\.id: /],
    ['a repeated id', (() => { const doc = good(); doc.schedules[2]!.id = doc.schedules[0]!.id; return doc; })(), /schedules\[2\]\.id: ".*" already used by schedules\[0\]/],
    ['a repeated key', (() => { const doc = good(); doc.schedules[3]!.key = 'daily-full-sync'; return doc; })(), /schedules\[3\]\.key: "daily-full-sync" already used by schedules\[0\]/],
  ])('is refused with the path of the problem: %s', (_, json, message) => {
    const error = thrown(() => planFromDocument(json, 'export.json'));
    expect(error.code).toBe(ErrorCode.validationError);
    expect(error.message).toMatch(/^export\.json: not a valid Hourglass export document: /);
    expect(error.message).toMatch(message);
  });
});
