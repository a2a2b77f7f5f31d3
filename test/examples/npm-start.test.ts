/**
 * The root hourglass.config.ts (`npm start`): every example in one registry, which start-up
 * accepts, with every example schedule created inactive except `feed-refresh`.
 */
import { describe, expect, it } from 'vitest';
import config from '../../hourglass.config.js';
import { brandMonitoringJobs } from '../../examples/brand-monitoring/jobs.js';
import { maintenanceJobs } from '../../examples/maintenance/jobs.js';
import { propertyScraperJobs } from '../../examples/property-scraper/jobs.js';
import { shopPlatformJobs } from '../../examples/shop-platform/jobs.js';
import { useExample } from './harness.js';

describe('npm start (the root config)', () => {
  const example = useExample(config);

  it('registers every example\'s job types and leaves only feed-refresh active', async () => {
    const exampleJobs = [...maintenanceJobs, ...brandMonitoringJobs, ...shopPlatformJobs, ...propertyScraperJobs];
    for (const job of exampleJobs) expect(example().registry.require(job.name).name).toBe(job.name);
    const { items } = await example().schedules.list({ limit: 500 });
    expect(items).toHaveLength(config.schedules!.length);
    expect(items.filter((schedule) => schedule.status === 'active').map((schedule) => schedule.key)).toEqual(['feed-refresh']);
  });
});
