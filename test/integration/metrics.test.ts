/**
 * Prometheus metrics (SPEC §6 `GET /metrics`): the cluster gauges read from the database at
 * scrape time, the counters and histograms fed by this process's events, and a scrape that
 * still answers when the database read fails. Assertions are on the rendered text, parsed as
 * the Prometheus text format.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { createMetrics, type Metrics } from '../../src/api/metrics.js';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import { createTestClock } from '../helpers/clock.js';
import { setupTestDatabase } from '../helpers/db.js';
import { waitFor, waitForRunStatus } from '../helpers/wait.js';

const env = setupTestDatabase();

const created: Metrics[] = [];
afterEach(() => {
  for (const metrics of created.splice(0)) metrics.stop();
});

async function metricsOf(hg: Hourglass): Promise<Metrics> {
  const metrics = createMetrics(await hg.ready());
  created.push(metrics);
  return metrics;
}

const alpha = defineJob({ name: 'alpha', async run() {} });
const beta = defineJob({ name: 'beta', async run() {} });
const doomed = defineJob({
  name: 'doomed',
  maxAttempts: 2,
  async run() {
    throw new Error('always broken');
  },
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;

/** A sample value: a float, `+Inf`, `-Inf` or NaN (any case, as Prometheus parses it). */
function parseSampleValue(text: string): number | null {
  if (/^nan$/i.test(text)) return Number.NaN;
  if (/^[+-]inf$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? null : value;
}

/** Parses the Prometheus text format; throws on any line that is not a comment or a sample. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const body = match[2] ?? '';
    let consumed = 0;
    labelPair.lastIndex = 0;
    for (let pair = labelPair.exec(body); pair; pair = labelPair.exec(body)) {
      labels[pair[1]!] = pair[2]!;
      consumed = labelPair.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`malformed labels: ${JSON.stringify(line)}`);
    const value = parseSampleValue(match[3]!);
    if (value === null) throw new Error(`not a number: ${JSON.stringify(line)}`);
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** The value of the one sample with this name and exactly these labels, or undefined. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return samples.find((sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted)?.value;
}

async function scrape(metrics: Metrics): Promise<Sample[]> {
  return parseExposition(await metrics.render());
}

describe('the exposition text', () => {
  test('parses as Prometheus text with HELP and TYPE once per metric, all names prefixed hourglass_', async () => {
    const hg = await env.create({ jobs: [alpha] });
    const metrics = await metricsOf(hg);
    const text = await metrics.render();
    const samples = parseExposition(text);

    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(samples.length).toBeGreaterThan(0);
    const helped = text.split('\n').filter((line) => line.startsWith('# HELP ')).map((line) => line.split(' ')[2]!);
    expect(new Set(helped).size).toBe(helped.length);
    for (const name of helped) expect(text).toContain(`# TYPE ${name} `);
    expect(samples.every((sample) => sample.name.startsWith('hourglass_'))).toBe(true);
    expect(valueOf(samples, 'hourglass_process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'hourglass_metrics_scrape_error')).toBe(0);
  });

  test('several instances in one process render side by side without sharing series', async () => {
    const first = await env.create({ jobs: [alpha] });
    const second = await env.create({ jobs: [beta] });
    const [one, two] = [await metricsOf(first), await metricsOf(second)];
    await first.runs.enqueue({ jobType: 'alpha' });

    const [a, b] = [await scrape(one), await scrape(two)];
    expect(valueOf(a, 'hourglass_runs', { status: 'pending', job_type: 'alpha' })).toBe(1);
    expect(valueOf(b, 'hourglass_runs', { status: 'pending', job_type: 'alpha' })).toBeUndefined();
    expect(valueOf(b, 'hourglass_runs', { status: 'pending', job_type: 'beta' })).toBe(0);
  });
});

describe('runs in the database', () => {
  test('pending runs are counted by job type and the ready ones make the queue depth and its oldest age', async () => {
    const clock = createTestClock('2026-03-10T12:00:00Z');
    const hg = await env.create({ jobs: [alpha, beta] }, { clock });
    const metrics = await metricsOf(hg);
    await hg.runs.enqueue({ jobType: 'alpha' });
    await hg.runs.enqueue({ jobType: 'alpha' });
    await hg.runs.enqueue({ jobType: 'beta' });
    await hg.runs.enqueue({ jobType: 'alpha', runAfter: new Date('2026-03-10T13:00:00Z') });
    clock.advance(90_000);

    const samples = await scrape(metrics);
    expect(valueOf(samples, 'hourglass_runs', { status: 'pending', job_type: 'alpha' })).toBe(3);
    expect(valueOf(samples, 'hourglass_runs', { status: 'pending', job_type: 'beta' })).toBe(1);
    expect(valueOf(samples, 'hourglass_runs', { status: 'running', job_type: 'alpha' })).toBe(0);
    expect(valueOf(samples, 'hourglass_queue_depth')).toBe(3);
    expect(valueOf(samples, 'hourglass_queue_oldest_seconds')).toBe(90);
  });

  test('an empty queue has depth 0 and oldest age 0', async () => {
    const hg = await env.create({ jobs: [alpha] });
    const samples = await scrape(await metricsOf(hg));
    expect(valueOf(samples, 'hourglass_queue_depth')).toBe(0);
    expect(valueOf(samples, 'hourglass_queue_oldest_seconds')).toBe(0);
    expect(valueOf(samples, 'hourglass_runs', { status: 'pending', job_type: 'alpha' })).toBe(0);
  });
});

describe('runs this process finished', () => {
  test('completed, retried and failed attempts are counted by job type and timed in the duration histogram', async () => {
    const hg = await env.create({ jobs: [alpha, doomed], worker: { enabled: true } });
    const metrics = await metricsOf(hg);
    await hg.start();
    const runs = [await hg.runs.enqueue({ jobType: 'alpha' }), await hg.runs.enqueue({ jobType: 'alpha' }), await hg.runs.enqueue({ jobType: 'doomed' })];
    for (const run of runs) await waitForRunStatus(hg, run.id, ['completed', 'failed']);

    const samples = await waitFor(
      async () => {
        const current = await scrape(metrics);
        return valueOf(current, 'hourglass_runs_finished_total', { status: 'failed', job_type: 'doomed' }) === 1 && valueOf(current, 'hourglass_runs_finished_total', { status: 'completed', job_type: 'alpha' }) === 2 ? current : null;
      },
      { message: 'the finished counters' },
    );
    expect(valueOf(samples, 'hourglass_runs_finished_total', { status: 'retried', job_type: 'doomed' })).toBe(1);
    expect(valueOf(samples, 'hourglass_runs_finished_total', { status: 'completed', job_type: 'doomed' })).toBe(0);
    expect(valueOf(samples, 'hourglass_runs_finished_total', { status: 'cancelled', job_type: 'alpha' })).toBe(0);
    expect(valueOf(samples, 'hourglass_run_duration_seconds_count', { job_type: 'alpha', status: 'completed' })).toBe(2);
    expect(valueOf(samples, 'hourglass_run_duration_seconds_bucket', { job_type: 'alpha', status: 'completed', le: '+Inf' })).toBe(2);
    expect(valueOf(samples, 'hourglass_run_duration_seconds_count', { job_type: 'doomed', status: 'failed' })).toBe(1);
    expect(valueOf(samples, 'hourglass_run_duration_seconds_sum', { job_type: 'alpha', status: 'completed' })).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'hourglass_runs', { status: 'pending', job_type: 'alpha' })).toBe(0);
    expect(valueOf(samples, 'hourglass_queue_depth')).toBe(0);
  });

  test('after stop() the metrics no longer follow the events', async () => {
    const hg = await env.create({ jobs: [alpha] });
    const runtime = await hg.ready();
    const metrics = await metricsOf(hg);
    const tick = { schedules: 1, runs: 2, skipped: 0, missed: 0, suppressed: 0, durationMs: 5 };
    runtime.events.emit('scheduler:tick:completed', tick);
    metrics.stop();
    runtime.events.emit('scheduler:tick:completed', tick);

    const samples = await scrape(metrics);
    expect(valueOf(samples, 'hourglass_scheduler_tick_duration_seconds_count')).toBe(1);
    expect(valueOf(samples, 'hourglass_scheduler_slots_total', { outcome: 'fired' })).toBe(2);
  });
});

describe('the scheduler', () => {
  test('a tick lands in the tick histogram, its slots by outcome, and a slot-fired run its lateness at start', async () => {
    const clock = createTestClock('2026-03-02T10:00:30Z');
    const hg = await env.create({ jobs: [alpha], worker: { enabled: true } }, { clock });
    const metrics = await metricsOf(hg);
    await hg.schedules.create({ name: 'every 5 min', jobType: 'alpha', intervalSeconds: 300 });

    // Down until 11:01:00: eleven slots missed, 11:00:30 fires 30 s late.
    clock.set('2026-03-02T11:01:00Z');
    expect(await hg.tick()).toMatchObject({ runs: 1, missed: 11 });
    let samples = await scrape(metrics);
    expect(valueOf(samples, 'hourglass_scheduler_tick_duration_seconds_count')).toBe(1);
    expect(valueOf(samples, 'hourglass_scheduler_tick_duration_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(valueOf(samples, 'hourglass_scheduler_slots_total', { outcome: 'fired' })).toBe(1);
    expect(valueOf(samples, 'hourglass_scheduler_slots_total', { outcome: 'missed' })).toBe(11);
    expect(valueOf(samples, 'hourglass_scheduler_slots_total', { outcome: 'skipped' })).toBe(0);
    expect(valueOf(samples, 'hourglass_run_lateness_seconds_count', { job_type: 'alpha' })).toBeUndefined();

    await hg.start();
    samples = await waitFor(async () => {
      const current = await scrape(metrics);
      return valueOf(current, 'hourglass_run_lateness_seconds_count', { job_type: 'alpha' }) === 1 ? current : null;
    });
    expect(valueOf(samples, 'hourglass_run_lateness_seconds_sum', { job_type: 'alpha' })).toBe(30);
    expect(valueOf(samples, 'hourglass_run_lateness_seconds_bucket', { job_type: 'alpha', le: '10' })).toBe(0);
    expect(valueOf(samples, 'hourglass_run_lateness_seconds_bucket', { job_type: 'alpha', le: '30' })).toBe(1);
  });

  test('manually enqueued runs have no slot and stay out of the lateness histogram', async () => {
    const hg = await env.create({ jobs: [alpha], worker: { enabled: true } });
    const metrics = await metricsOf(hg);
    await hg.start();
    const run = await hg.runs.enqueue({ jobType: 'alpha' });
    await waitForRunStatus(hg, run.id, ['completed']);
    await waitFor(async () => valueOf(await scrape(metrics), 'hourglass_runs_finished_total', { status: 'completed', job_type: 'alpha' }) === 1);
    expect(valueOf(await scrape(metrics), 'hourglass_run_lateness_seconds_count', { job_type: 'alpha' })).toBeUndefined();
  });
});

describe('schedules and workers in the database', () => {
  test('schedules are counted by status, and active ones past the late tolerance are late', async () => {
    const clock = createTestClock('2026-03-02T10:00:30Z');
    const hg = await env.create({ jobs: [alpha] }, { clock });
    const metrics = await metricsOf(hg);
    await hg.schedules.create({ name: 'first', jobType: 'alpha', intervalSeconds: 300 });
    await hg.schedules.create({ name: 'second', jobType: 'alpha', intervalSeconds: 600 });
    const paused = await hg.schedules.create({ name: 'third', jobType: 'alpha', intervalSeconds: 300 });
    await hg.schedules.pause(paused.id);

    // The first is due at 10:05:30 and the second at 10:10:30; the tolerance is 60 s.
    clock.set('2026-03-02T10:07:00Z');
    const samples = await scrape(metrics);
    expect(valueOf(samples, 'hourglass_schedules', { status: 'active' })).toBe(2);
    expect(valueOf(samples, 'hourglass_schedules', { status: 'paused' })).toBe(1);
    expect(valueOf(samples, 'hourglass_schedules', { status: 'inactive' })).toBe(0);
    expect(valueOf(samples, 'hourglass_schedules_late')).toBe(1);
  });

  test('a started process is a live worker of its role until it stops', async () => {
    const hg = await env.create({ jobs: [alpha], worker: { enabled: true } });
    const metrics = await metricsOf(hg);
    expect(valueOf(await scrape(metrics), 'hourglass_workers_live', { role: 'worker' })).toBeUndefined();

    await hg.start();
    expect(valueOf(await scrape(metrics), 'hourglass_workers_live', { role: 'worker' })).toBe(1);

    await hg.stop();
    expect(valueOf(await scrape(metrics), 'hourglass_workers_live', { role: 'worker' })).toBeUndefined();
  });
});

describe('a failing database read', () => {
  test('still renders the event and process metrics with hourglass_metrics_scrape_error 1, and recovers', async () => {
    const hg = await env.create({ jobs: [alpha] });
    const runtime = await hg.ready();
    const metrics = await metricsOf(hg);
    await hg.tick();
    const schema = runtime.schema.quoted;
    await runtime.db.query(`alter schema ${schema} rename to ${runtime.schema.name}_away`);

    let samples = await scrape(metrics);
    expect(valueOf(samples, 'hourglass_metrics_scrape_error')).toBe(1);
    expect(samples.some((sample) => sample.name === 'hourglass_runs' || sample.name === 'hourglass_queue_depth')).toBe(false);
    expect(valueOf(samples, 'hourglass_scheduler_tick_duration_seconds_count')).toBe(1);
    expect(valueOf(samples, 'hourglass_process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);

    await runtime.db.query(`alter schema "${runtime.schema.name}_away" rename to ${runtime.schema.name}`);
    samples = await scrape(metrics);
    expect(valueOf(samples, 'hourglass_metrics_scrape_error')).toBe(0);
    expect(valueOf(samples, 'hourglass_queue_depth')).toBe(0);
  });
});
