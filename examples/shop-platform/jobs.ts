/**
 * The shop platform's jobs, where the tenant is the store. `catalogue_import` is per store: a
 * schedule created with `tenantId: 'store_101'` fires runs that only touch store 101, and a
 * tenant-bound API token sees only those runs. `oauth_token_refresh` and
 * `daily_credit_deduction` are system jobs: scheduled without a tenant, one run works through
 * every store (given a tenant or a `store_id`, they work for that store only).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defineJob } from 'hourglass';
import { createRandom, failIfAsked, failureFlags, pause, randomInt, sha256 } from '../shared/work.js';
import { fakeStoreBackend, resolveStoreIds } from './fake-store-backend.js';

// A number is accepted too: legacy tables (and their imports) often keep store ids as integers.
const storePayload = failureFlags.extend({ store_id: z.union([z.string().min(1), z.number().int().transform(String)]).optional() });

const catalogueRow = z.object({
  sku: z.string().regex(/^SKU-\d{4}$/, 'expected SKU-0000'),
  title: z.string().min(1),
  price: z.coerce.number().positive(),
  stock: z.coerce.number().int().min(0),
});

/** What the supplier sends: CSV text or a JSON body, with the usual share of broken rows. */
function createSupplierFeed(random: () => number, rows: number, source: 'csv' | 'api'): string {
  const items = Array.from({ length: rows }, (_, i) => ({
    sku: random() < 0.02 ? '' : `SKU-${String(randomInt(random, 1, rows * 1.5)).padStart(4, '0')}`,
    title: `Item ${i}`,
    price: random() < 0.02 ? 'n/a' : (randomInt(random, 100, 20_000) / 100).toFixed(2),
    stock: String(randomInt(random, random() < 0.01 ? -5 : 0, 250)),
  }));
  if (source === 'api') return JSON.stringify(items);
  return ['sku,title,price,stock', ...items.map((r) => `${r.sku},${r.title},${r.price},${r.stock}`)].join('\n');
}

function parseSupplierFeed(text: string, source: 'csv' | 'api'): unknown[] {
  if (source === 'api') return JSON.parse(text) as unknown[];
  const [header = '', ...lines] = text.split('\n');
  const columns = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [columns[i], cell])));
}

/** How a feed is read: top-level payload fields, or the `options` object of an imported akeneo row. */
const feedSettings = z.object({
  source: z.enum(['csv', 'api']).optional(),
  batch_size: z.number().int().min(1).max(10_000).optional(),
  rows: z.number().int().min(1).max(100_000).optional(),
});

export const catalogueImport = defineJob({
  name: 'catalogue_import',
  description: 'Imports a store\'s supplier catalogue in batches: creates new SKUs, updates known ones',
  group: 'shop_platform',
  timeout: '30m',
  maxAttempts: 3,
  concurrency: 4,
  payload: storePayload.extend(feedSettings.shape).extend({
    // The columns of the platform's old akeneo_schedules table, as the legacy importer maps them.
    import_type: z.string().min(1).default('products'),
    filters: z.record(z.string(), z.unknown()).nullish(),
    options: feedSettings.nullish(),
    /** Credits the store is charged per import, once per run. */
    credit_cost: z.number().min(0).nullish(),
  }),
  async run(ctx) {
    const { payload } = ctx;
    const source = payload.options?.source ?? payload.source ?? 'csv';
    const batchSize = payload.options?.batch_size ?? payload.batch_size ?? 200;
    const rowCount = payload.options?.rows ?? payload.rows ?? 600;
    const totals = { created: 0, updated: 0, rejected: 0 };
    const stores: Record<string, number> = {};
    let creditsCharged = 0;
    for (const storeId of resolveStoreIds(payload.store_id, ctx.tenantId)) {
      const random = createRandom(`${ctx.runId}:${storeId}`);
      const rows = parseSupplierFeed(createSupplierFeed(random, rowCount, source), source);
      const catalogue = fakeStoreBackend.catalogueOf(storeId); // upsert by SKU: a retry converges, never duplicates
      const counts = { created: 0, updated: 0, rejected: 0 };
      for (let start = 0; start < rows.length; start += batchSize) {
        for (const raw of rows.slice(start, start + batchSize)) {
          const row = catalogueRow.safeParse(raw);
          if (!row.success) counts.rejected += 1;
          else if (catalogue.has(row.data.sku)) counts.updated += 1;
          else {
            catalogue.add(row.data.sku);
            counts.created += 1;
          }
        }
        ctx.metrics.increment('batches');
        await pause(40, ctx.signal);
      }
      if (payload.credit_cost) {
        const charge = fakeStoreBackend.deductCreditsOnce(storeId, `catalogue-import:${ctx.runId}:${storeId}`, payload.credit_cost);
        if (charge.applied) creditsCharged += payload.credit_cost;
      }
      if (counts.rejected > 0) ctx.log.warn('rejected invalid catalogue rows', { store_id: storeId, rejected: counts.rejected });
      ctx.log.info('imported catalogue', { store_id: storeId, import_type: payload.import_type, source, filters: payload.filters ?? null, ...counts });
      for (const name of Object.keys(totals) as Array<keyof typeof totals>) totals[name] += counts[name];
      stores[storeId] = catalogue.size;
    }
    for (const [name, value] of Object.entries(totals)) ctx.metrics.set(`rows_${name}`, value);
    ctx.metrics.set('credits_charged', creditsCharged);
    failIfAsked(payload, 'catalogue_import');
    return { import_type: payload.import_type, ...totals, credits_charged: creditsCharged, catalogue_size: stores };
  },
});

/** How long a token the payment provider issues stays valid. */
const TOKEN_LIFETIME_SECONDS = 3600;

export const oauthTokenRefresh = defineJob({
  name: 'oauth_token_refresh',
  description: 'Refreshes the stores\' OAuth access tokens with the payment provider before they expire',
  group: 'shop_platform',
  timeout: '2m',
  maxAttempts: 5,
  payload: storePayload.extend({
    refresh_within_minutes: z.number().int().min(1).default(15),
    force: z.boolean().default(false),
  }),
  async run(ctx) {
    ctx.signal.throwIfAborted(); // a run whose tokens are all valid never waits, so check before deciding
    const refreshed: string[] = [];
    let stillValid = 0;
    for (const storeId of resolveStoreIds(ctx.payload.store_id, ctx.tenantId)) {
      const current = fakeStoreBackend.tokenOf(storeId);
      const remainingMs = current ? current.expiresAt.getTime() - Date.now() : 0;
      if (!ctx.payload.force && remainingMs > ctx.payload.refresh_within_minutes * 60_000) {
        stillValid += 1;
        ctx.log.info('token still valid; not refreshed', { store_id: storeId, fingerprint: current?.fingerprint });
        continue;
      }
      await pause(randomInt(createRandom(`${ctx.runId}:${storeId}`), 100, 300), ctx.signal); // the provider's token endpoint
      const token = { fingerprint: sha256(randomBytes(32)).slice(0, 12), expiresAt: new Date(Date.now() + TOKEN_LIFETIME_SECONDS * 1000) };
      failIfAsked(ctx.payload, 'oauth_token_refresh'); // before saving: a failed refresh keeps the old token
      fakeStoreBackend.saveToken(storeId, token);
      refreshed.push(storeId);
      ctx.log.info('refreshed access token', { store_id: storeId, fingerprint: token.fingerprint });
    }
    ctx.metrics.set('tokens_refreshed', refreshed.length);
    ctx.metrics.set('tokens_still_valid', stillValid);
    failIfAsked(ctx.payload, 'oauth_token_refresh'); // also when every token was still valid
    return { refreshed: refreshed.length > 0, stores_refreshed: refreshed, still_valid: stillValid, expires_in_seconds: TOKEN_LIFETIME_SECONDS };
  },
});

export const dailyCreditDeduction = defineJob({
  name: 'daily_credit_deduction',
  description: 'Charges each store\'s daily plan and usage credits, exactly once per run',
  group: 'shop_platform',
  timeout: '5m',
  maxAttempts: 5,
  payload: storePayload.extend({
    plan_credits: z.number().int().min(0).default(10),
    credits_per_100_orders: z.number().int().min(0).default(3),
  }),
  async run(ctx) {
    const charges: Array<{ store_id: string; orders: number; credits: number; applied: boolean; balance: number }> = [];
    for (const storeId of resolveStoreIds(ctx.payload.store_id, ctx.tenantId)) {
      const orders = randomInt(createRandom(`${storeId}:${ctx.runId}`), 0, 1500); // yesterday's order count
      const credits = ctx.payload.plan_credits + Math.ceil(orders / 100) * ctx.payload.credits_per_100_orders;
      await pause(80, ctx.signal);
      // Keyed by run and store: execution is at-least-once, so attempt 2 of the same run must not charge again.
      const { applied, balance } = fakeStoreBackend.deductCreditsOnce(storeId, `daily-credits:${ctx.runId}:${storeId}`, credits);
      if (applied) ctx.log.info('deducted daily credits', { store_id: storeId, orders, credits, balance });
      else ctx.log.info('already deducted by an earlier attempt; not charging again', { store_id: storeId, attempt: ctx.attempt, balance });
      if (balance < 100) ctx.log.warn('store credit balance is low', { store_id: storeId, balance });
      charges.push({ store_id: storeId, orders, credits, applied, balance });
    }
    const applied = charges.filter((charge) => charge.applied);
    const creditsDeducted = applied.reduce((sum, charge) => sum + charge.credits, 0);
    ctx.metrics.set('stores_charged', applied.length);
    ctx.metrics.set('credits_deducted', creditsDeducted);
    if (charges.length === 1) ctx.metrics.set('balance', charges[0]!.balance);
    failIfAsked(ctx.payload, 'daily_credit_deduction'); // after the charges, so a retry exercises the idempotency key
    return { applied: applied.length > 0, credits_deducted: creditsDeducted, charges };
  },
});

export const shopPlatformJobs = [catalogueImport, oauthTokenRefresh, dailyCreditDeduction];
