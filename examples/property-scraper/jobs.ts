/**
 * The property scraper's one job type: `scrape_listings` pages through the listing site for
 * one listing type (for sale, pending, sold, for rent) in each location of its payload, up to
 * `limit` listings per location, and stores what it finds. The schedules differ only in payload.
 */
import { z } from 'zod';
import { defineJob } from 'hourglass';
import { failIfAsked, failureFlags, pause } from '../shared/work.js';
import { LISTING_TYPES, PAGE_SIZE, fetchListingPage, saveListing } from './listings.js';

export const scrapeListings = defineJob({
  name: 'scrape_listings',
  description: 'Scrapes one listing type (for sale, pending, sold, for rent) in a list of locations',
  group: 'property_scraper',
  timeout: '1h',
  maxAttempts: 3,
  // The site rate-limits by IP: two scrapes at once at most, whatever the number of workers.
  concurrency: 2,
  payload: failureFlags.extend({
    listing_type: z.enum(LISTING_TYPES).default('FOR_SALE'),
    locations: z.array(z.string().min(1)).min(1).max(50).default(['Austin, TX']),
    /** Most listings stored per location and run. */
    limit: z.number().int().min(1).max(5_000).default(100),
    /** Pause between two page requests: politeness towards the site. */
    page_delay_ms: z.number().int().min(0).max(10_000).default(15),
  }),
  async run(ctx) {
    const { listing_type: listingType, locations, limit, page_delay_ms: pageDelayMs } = ctx.payload;
    const day = (ctx.scheduledFor ?? new Date()).toISOString().slice(0, 10);
    const totals = { pages: 0, listings: 0, new: 0, updated: 0, unchanged: 0 };
    for (const location of locations) {
      const counts = { pages: 0, listings: 0, new: 0, updated: 0, unchanged: 0 };
      for (let page = 0; counts.listings < limit; page += 1) {
        await pause(pageDelayMs, ctx.signal);
        const listings = fetchListingPage(listingType, location, page, day).slice(0, limit - counts.listings);
        if (listings.length === 0) break;
        counts.pages += 1;
        for (const listing of listings) {
          counts.listings += 1;
          counts[saveListing(listing)] += 1;
        }
        if (listings.length < PAGE_SIZE) break;
      }
      ctx.log.info(`scraped ${location}`, { listing_type: listingType, ...counts });
      for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += counts[key];
    }
    ctx.metrics.set('locations', locations.length);
    ctx.metrics.set('pages', totals.pages);
    ctx.metrics.set('listings', totals.listings);
    ctx.metrics.set('listings_new', totals.new);
    ctx.metrics.set('listings_updated', totals.updated);
    ctx.metrics.set('listings_unchanged', totals.unchanged);
    failIfAsked(ctx.payload, 'scrape_listings');
    return { listing_type: listingType, day, ...totals };
  },
});

export const propertyScraperJobs = [scrapeListings];
