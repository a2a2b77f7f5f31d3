/**
 * examples/shop-platform, as its README promises: the setup imports the stores' catalogue
 * imports from the old akeneo table (tenant = store, one bad row rejected, a second import
 * changes nothing), each completes in its store's tenant, and the two system jobs (no tenant)
 * work through every store.
 */
import { describe, expect, it } from 'vitest';
import config from '../../examples/shop-platform/hourglass.config.js';
import { IMPORTED_STORE_SCHEDULES, createAkeneoTable, importStoreSchedules } from '../../examples/shop-platform/akeneo-table.js';
import { STORES } from '../../examples/shop-platform/fake-store-backend.js';
import { triggerAndWait, useExample } from './harness.js';

describe('shop platform example', () => {
  const example = useExample(config);

  it('imports the akeneo table: four store schedules, the bad row rejected, and nothing more the second time', async () => {
    await createAkeneoTable((await example().ready()).db);
    const first = await importStoreSchedules(example());
    expect(first).toMatchObject({ read: 5, created: 4, updated: 0, unchanged: 0, rejected: 1 });
    expect(first.rows.find((row) => row.action === 'reject')?.reason).toMatch(/schedule_time/);
    const second = await importStoreSchedules(example());
    expect(second).toMatchObject({ read: 5, created: 0, updated: 0, unchanged: 4, rejected: 1 });

    const { items } = await example().schedules.list({ source: 'import', limit: 100 });
    const imported = items.map((schedule) => ({
      sourceRef: schedule.sourceRef,
      tenantId: schedule.tenantId,
      cronExpression: schedule.cronExpression,
      status: schedule.status,
      creditCost: schedule.payload.credit_cost,
    }));
    expect(imported.sort((a, b) => a.sourceRef!.localeCompare(b.sourceRef!))).toEqual(IMPORTED_STORE_SCHEDULES);
    expect(items.every((schedule) => schedule.jobType === 'catalogue_import')).toBe(true);
  });

  it('completes each store\'s catalogue import in the store\'s tenant, charging its credit cost', async () => {
    const { items } = await example().schedules.list({ source: 'import', limit: 100 });
    for (const schedule of items) {
      // Triggering works whatever the status, so the paused store's import runs too.
      const [run] = await triggerAndWait(example(), schedule.id);
      expect(run, schedule.name).toMatchObject({ status: 'completed', jobType: 'catalogue_import', tenantId: schedule.tenantId });
      const metrics = run!.metrics as { rows_created: number; rows_updated: number; rows_rejected: number; batches: number; credits_charged: number };
      expect(metrics.rows_created + metrics.rows_updated, schedule.name).toBeGreaterThan(0);
      expect(metrics.rows_rejected).toBeGreaterThanOrEqual(0);
      expect(metrics.batches).toBeGreaterThan(0);
      expect(metrics.credits_charged).toBe(schedule.payload.credit_cost);
      expect(run!.result).toMatchObject({ catalogue_size: { [schedule.tenantId!]: expect.any(Number) } });
    }
  });

  it('refreshes every store\'s OAuth token from one system run, and skips tokens still valid the next time', async () => {
    const schedule = await example().schedules.get('oauth-token-refresh');
    expect(schedule).toMatchObject({ tenantId: null, cronExpression: '5 * * * *', status: 'active' });
    const [run] = await triggerAndWait(example(), 'oauth-token-refresh');
    expect(run).toMatchObject({ status: 'completed', tenantId: null, metrics: { tokens_refreshed: STORES.length, tokens_still_valid: 0 } });
    const [again] = await triggerAndWait(example(), 'oauth-token-refresh');
    expect(again).toMatchObject({ status: 'completed', metrics: { tokens_refreshed: 0, tokens_still_valid: STORES.length } });
  });

  it('deducts every store\'s daily credits from one system run', async () => {
    const schedule = await example().schedules.get('daily-credit-deduction');
    expect(schedule).toMatchObject({ tenantId: null, cronExpression: '30 0 * * *', status: 'active' });
    const [run] = await triggerAndWait(example(), 'daily-credit-deduction');
    expect(run).toMatchObject({ status: 'completed', tenantId: null, metrics: { stores_charged: STORES.length } });
    const result = run!.result as { charges: Array<{ store_id: string; applied: boolean; credits: number }> };
    expect(result.charges.map((charge) => charge.store_id)).toEqual(STORES.map((store) => store.id));
    expect((run!.metrics as Record<string, number>).credits_deducted).toBe(result.charges.reduce((sum, charge) => sum + charge.credits, 0));
  });
});
