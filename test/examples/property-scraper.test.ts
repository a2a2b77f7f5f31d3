/**
 * examples/property-scraper, as its README promises: four daily scrapes an hour apart from
 * 13:00 UTC, each completing with its metrics and a log line per location, and a one-off that
 * fires once at its instant and then becomes inactive.
 */
import { describe, expect, it } from 'vitest';
import config from '../../examples/property-scraper/hourglass.config.js';
import { MARKETS, dailyScrapes, oneOffScrape } from '../../examples/property-scraper/schedules.js';
import { createShiftedClock, triggerAndWait, useExample, waitForRuns } from './harness.js';

describe('property scraper example', () => {
  // Runs at real speed; the one-off test moves it to the one-off's instant (so it goes last).
  const clock = createShiftedClock();
  const example = useExample(config, { clock });

  it('schedules FOR_SALE, PENDING, SOLD and FOR_RENT at 13:00, 14:00, 15:00 and 16:00 UTC', async () => {
    const hours = await Promise.all(
      dailyScrapes.map(async ({ key }) => {
        const schedule = await example().schedules.get(key);
        return [schedule.payload.listing_type, schedule.nextRunAt!.getUTCHours(), schedule.nextRunAt!.getUTCMinutes()];
      }),
    );
    expect(hours).toEqual([['FOR_SALE', 13, 0], ['PENDING', 14, 0], ['SOLD', 15, 0], ['FOR_RENT', 16, 0]]);
  });

  it('completes each daily scrape with pages, listings and new/updated counts, and logs every location', async () => {
    for (const schedule of dailyScrapes) {
      const [run] = await triggerAndWait(example(), schedule.key);
      const limit = schedule.payload!.limit as number;
      expect(run, schedule.key).toMatchObject({ status: 'completed', jobType: 'scrape_listings', tenantId: null });
      const metrics = run!.metrics as Record<string, number>;
      expect(metrics.locations).toBe(MARKETS.length);
      expect(metrics.pages).toBeGreaterThan(0);
      expect(metrics.listings).toBeGreaterThan(0);
      expect(metrics.listings).toBeLessThanOrEqual(limit * MARKETS.length);
      // The first scrape of a listing type finds only new listings.
      expect(metrics.listings_new).toBe(metrics.listings);
      expect(metrics.listings_updated).toBe(0);
      const lines = await example().runs.logs(run!.id);
      expect(lines.filter((line) => line.message.startsWith('scraped ')).map((line) => line.message)).toEqual(MARKETS.map((market) => `scraped ${market}`));
    }

    // Scraping the same listings again finds them all known: updated if re-priced, else unchanged.
    const [again] = await triggerAndWait(example(), dailyScrapes[0]!.key);
    const metrics = again!.metrics as { listings: number; listings_updated: number; listings_unchanged: number };
    expect(again).toMatchObject({ status: 'completed', metrics: { listings_new: 0 } });
    expect(metrics.listings_updated + metrics.listings_unchanged).toBe(metrics.listings);
  });

  it('fires the one-off scrape once at its instant, then leaves it inactive', async () => {
    const before = await example().schedules.get(oneOffScrape.key);
    expect(before).toMatchObject({ scheduleType: 'once', status: 'active' });
    expect(before.nextRunAt?.toISOString()).toBe(new Date(oneOffScrape.at!).toISOString());

    clock.jumpTo(new Date(before.nextRunAt!.getTime() + 1000));
    expect(await example().tick()).toMatchObject({ runs: 1 });
    const { items } = await example().runs.list({ scheduledJobId: before.id });
    const [run] = await waitForRuns(example(), items.map((item) => item.id));
    expect(run).toMatchObject({ status: 'completed', scheduledFor: before.nextRunAt, payload: { listing_type: 'SOLD', locations: ['Boise, ID'] } });
    expect(run!.metrics).toMatchObject({ locations: 1, pages: expect.any(Number), listings: expect.any(Number), listings_new: expect.any(Number) });

    const after = await example().schedules.get(oneOffScrape.key);
    expect(after).toMatchObject({ status: 'inactive', nextRunAt: null, runCount: 1 });
    // A day later the one-off fires no more. (A daily scrape's slot may fall in that day, by
    // the hour the test runs at: only the one-off's runs are counted.)
    clock.jumpTo(new Date(before.nextRunAt!.getTime() + 86_400_000));
    await example().tick();
    expect((await example().runs.list({ scheduledJobId: before.id })).items).toHaveLength(1);
    expect(await example().schedules.get(oneOffScrape.key)).toMatchObject({ status: 'inactive', nextRunAt: null, runCount: 1 });
  });
});
