/**
 * examples/brand-monitoring, as its README promises: every brand's three schedules complete in
 * the brand's customer (tenant), and the runs carry the metrics the README names, per step for
 * the pipeline.
 */
import { describe, expect, it } from 'vitest';
import config from '../../examples/brand-monitoring/hourglass.config.js';
import { brandMonitoringSchedules, watchedBrands } from '../../examples/brand-monitoring/schedules.js';
import { triggerAndWait, useExample } from './harness.js';

describe('brand monitoring example', () => {
  const example = useExample(config);

  it('defines three schedules per brand, for two customers', async () => {
    const { items } = await example().schedules.list({ limit: 100 });
    expect(items).toHaveLength(watchedBrands.length * 3);
    expect(new Set(items.map((schedule) => schedule.tenantId))).toEqual(new Set(['cust_northwind', 'cust_globex']));
    expect(items.every((schedule) => schedule.status === 'active')).toBe(true);
    const northwind = await example().schedules.list({ tenantId: 'cust_northwind', limit: 100 });
    expect(northwind.items.map((schedule) => schedule.key).sort()).toEqual(
      brandMonitoringSchedules.filter((schedule) => schedule.tenantId === 'cust_northwind').map((schedule) => schedule.key).sort(),
    );
  });

  it('completes every schedule in its customer\'s tenant with the metrics of each job', async () => {
    const fired = await Promise.all(
      brandMonitoringSchedules.map(async (schedule) => ({ schedule, runs: await triggerAndWait(example(), schedule.key) })),
    );
    for (const { schedule, runs } of fired) {
      expect(runs, schedule.key).toHaveLength(1);
      const [run] = runs;
      const brand = watchedBrands.find((candidate) => candidate.brandId === schedule.payload?.brand_id)!;
      expect(run, schedule.key).toMatchObject({ status: 'completed', tenantId: brand.customerId, payload: { brand_id: brand.brandId } });
      const metrics = run!.metrics as Record<string, any>;
      if (run!.jobType === 'data_collection') {
        for (const collector of brand.collectors) expect(metrics[`mentions_${collector}`], collector).toBeGreaterThan(0);
        expect(metrics.mentions_total).toBe(brand.collectors.reduce((sum, collector) => sum + metrics[`mentions_${collector}`], 0));
      } else if (run!.jobType === 'scoring') {
        expect(metrics.score).toBeGreaterThanOrEqual(0);
        expect(metrics.score).toBeLessThanOrEqual(100);
        expect(metrics.mentions_scored).toBeGreaterThan(0);
        expect(metrics.negative_share).toBeGreaterThanOrEqual(0);
      } else {
        expect(run!.jobType).toBe('data_collection_and_scoring');
        // The weekly report uses all four collectors: one metrics set per step.
        expect(metrics.steps.data_collection).toMatchObject({ mentions_news: expect.any(Number), mentions_forums: expect.any(Number), duration_ms: expect.any(Number) });
        expect(metrics.steps.data_collection.mentions_total).toBeGreaterThan(0);
        expect(metrics.steps.scoring).toMatchObject({ score: expect.any(Number), mentions_scored: metrics.steps.data_collection.mentions_total, duration_ms: expect.any(Number) });
      }
    }

    // A customer sees only its own brands' runs.
    const globexRuns = await example().runs.list({ tenantId: 'cust_globex', limit: 100 });
    expect(globexRuns.items).toHaveLength(3);
    expect(globexRuns.items.every((run) => run.payload.brand_id === 'globex-energy')).toBe(true);
  });
});
