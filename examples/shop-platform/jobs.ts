/**
 * Per-store jobs of a multi-tenant shop platform, where the tenant is the store: a schedule
 * created with `tenantId: 'store_42'` fires runs that only touch store 42, and a tenant-bound
 * API token sees only those runs.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defineJob } from 'hourglass';
import { createRandom, failIfAsked, failureFlags, pause, randomInt, sha256 } from '../shared/work.js';
import { fakeStoreBackend, resolveStoreId } from './fake-store-backend.js';

const storePayload = failureFlags.extend({ store_id: z.string().min(1).optional() });

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

export const catalogueImport = defineJob({
  name: 'catalogue_import',
  description: 'Imports a store\'s supplier catalogue in batches: creates new SKUs, updates known ones',
  group: 'shop_platform',
  timeout: '30m',
  maxAttempts: 3,
  concurrency: 4,
  payload: storePayload.extend({
    source: z.enum(['csv', 'api']).default('csv'),
    batch_size: z.number().int().min(1).max(10_000).default(200),
    rows: z.number().int().min(1).max(100_000).default(600),
  }),
  async run(ctx) {
    const storeId = resolveStoreId(ctx.payload.store_id, ctx.tenantId);
    const random = createRandom(ctx.runId);
    const rows = parseSupplierFeed(createSupplierFeed(random, ctx.payload.rows, ctx.payload.source), ctx.payload.source);
    const catalogue = fakeStoreBackend.catalogueOf(storeId); // upsert by SKU: a retry converges, never duplicates
    const counts = { created: 0, updated: 0, rejected: 0 };
    for (let start = 0; start < rows.length; start += ctx.payload.batch_size) {
      for (const raw of rows.slice(start, start + ctx.payload.batch_size)) {
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
    for (const [name, value] of Object.entries(counts)) ctx.metrics.set(`rows_${name}`, value);
    if (counts.rejected > 0) ctx.log.warn('rejected invalid catalogue rows', { store_id: storeId, rejected: counts.rejected });
    ctx.log.info('imported catalogue', { store_id: storeId, source: ctx.payload.source, ...counts });
    failIfAsked(ctx.payload, 'catalogue_import');
    return { store_id: storeId, ...counts, catalogue_size: catalogue.size };
  },
});

export const oauthTokenRefresh = defineJob({
  name: 'oauth_token_refresh',
  description: 'Refreshes a store\'s OAuth access token with its payment provider before it expires',
  group: 'shop_platform',
  timeout: '2m',
  maxAttempts: 5,
  payload: storePayload.extend({
    refresh_within_minutes: z.number().int().min(1).default(15),
    force: z.boolean().default(false),
  }),
  async run(ctx) {
    const storeId = resolveStoreId(ctx.payload.store_id, ctx.tenantId);
    ctx.signal.throwIfAborted(); // the early return below never waits, so check before deciding
    const current = fakeStoreBackend.tokenOf(storeId);
    const remainingMs = current ? current.expiresAt.getTime() - Date.now() : 0;
    if (!ctx.payload.force && remainingMs > ctx.payload.refresh_within_minutes * 60_000) {
      ctx.metrics.set('token_refreshed', false);
      ctx.log.info('token still valid; not refreshed', { store_id: storeId, fingerprint: current?.fingerprint });
      failIfAsked(ctx.payload, 'oauth_token_refresh');
      return { store_id: storeId, refreshed: false, expires_at: current?.expiresAt.toISOString() };
    }
    await pause(randomInt(createRandom(ctx.runId), 100, 300), ctx.signal); // the provider's token endpoint
    const expiresInSeconds = 3600;
    const token = { fingerprint: sha256(randomBytes(32)).slice(0, 12), expiresAt: new Date(Date.now() + expiresInSeconds * 1000) };
    failIfAsked(ctx.payload, 'oauth_token_refresh'); // before saving: a failed refresh keeps the old token
    fakeStoreBackend.saveToken(storeId, token);
    ctx.metrics.set('token_refreshed', true);
    ctx.metrics.set('expires_in_seconds', expiresInSeconds);
    ctx.log.info('refreshed access token', { store_id: storeId, fingerprint: token.fingerprint });
    return { store_id: storeId, refreshed: true, expires_at: token.expiresAt.toISOString() };
  },
});

export const dailyCreditDeduction = defineJob({
  name: 'daily_credit_deduction',
  description: 'Charges a store\'s daily plan and usage credits, exactly once per run',
  group: 'shop_platform',
  timeout: '5m',
  maxAttempts: 5,
  payload: storePayload.extend({
    plan_credits: z.number().int().min(0).default(10),
    credits_per_100_orders: z.number().int().min(0).default(3),
  }),
  async run(ctx) {
    const storeId = resolveStoreId(ctx.payload.store_id, ctx.tenantId);
    const orders = randomInt(createRandom(`${storeId}:${ctx.runId}`), 0, 1500); // yesterday's order count
    const credits = ctx.payload.plan_credits + Math.ceil(orders / 100) * ctx.payload.credits_per_100_orders;
    await pause(80, ctx.signal);
    // Keyed by run id: execution is at-least-once, so attempt 2 of the same run must not charge again.
    const { applied, balance } = fakeStoreBackend.deductCreditsOnce(storeId, `daily-credits:${ctx.runId}`, credits);
    if (applied) ctx.log.info('deducted daily credits', { store_id: storeId, orders, credits, balance });
    else ctx.log.info('already deducted by an earlier attempt; not charging again', { attempt: ctx.attempt, balance });
    ctx.metrics.set('credits_deducted', applied ? credits : 0);
    ctx.metrics.set('balance', balance);
    if (balance < 100) ctx.log.warn('store credit balance is low', { store_id: storeId, balance });
    failIfAsked(ctx.payload, 'daily_credit_deduction'); // after the charge, so a retry exercises the idempotency key
    return { store_id: storeId, credits, applied, balance };
  },
});

export const shopPlatformJobs = [catalogueImport, oauthTokenRefresh, dailyCreditDeduction];
