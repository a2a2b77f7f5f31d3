import { describe, expect, test } from 'vitest';
import { createHourglass } from '../../src/hourglass.js';
import { defineJob } from '../../src/define.js';
import { silentLogger } from '../../src/logger.js';
import { setupTestDatabase } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

const env = setupTestDatabase();

describe('per-tenant concurrency across the cluster', () => {
  test('never runs more than tenantConcurrency runs of one tenant at once, over two workers', async () => {
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    let finished = 0;
    const work = defineJob({
      name: 'tenant_work',
      async run(ctx) {
        const tenant = ctx.tenantId ?? 'none';
        running.set(tenant, (running.get(tenant) ?? 0) + 1);
        peak.set(tenant, Math.max(peak.get(tenant) ?? 0, running.get(tenant)!));
        await new Promise((resolve) => setTimeout(resolve, 120));
        running.set(tenant, running.get(tenant)! - 1);
        finished += 1;
      },
    });
    const worker = { enabled: true, concurrency: 5, tenantConcurrency: 2 };
    const first = await env.create({ jobs: [work], worker });
    const second = createHourglass(
      { schema: first.config.schema, logLevel: 'silent', jobs: [work], scheduler: { enabled: false }, worker: { ...worker, pollMs: 200 } },
      { database: env.db(), logger: silentLogger },
    );
    for (const tenant of ['store-a', 'store-b']) {
      for (let i = 0; i < 6; i += 1) await first.runs.enqueue({ jobType: 'tenant_work', tenantId: tenant });
    }
    for (let i = 0; i < 3; i += 1) await first.runs.enqueue({ jobType: 'tenant_work' });
    await first.start();
    await second.start();
    const completed = async () => (await first.runs.list({ status: 'completed', limit: 100 })).items.length;
    try {
      // Handlers return before their worker records the run completed: wait for the records.
      await waitFor(async () => finished === 15 && (await completed()) === 15, { timeoutMs: 30_000, message: 'all runs to be recorded completed' });
    } finally {
      await second.stop();
    }
    expect(peak.get('store-a')).toBeLessThanOrEqual(2);
    expect(peak.get('store-b')).toBeLessThanOrEqual(2);
    expect(peak.get('store-a')).toBe(2);
    expect(await completed()).toBe(15);
  });
});
