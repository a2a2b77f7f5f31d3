/**
 * The property scraper's schedules: one daily scrape per listing type, an hour apart in the
 * afternoon (UTC) so they never compete for the site's rate limit, and a one-off scrape of a
 * new market.
 */
import { defineSchedule, type ScheduleDefinition } from 'hourglass';
import type { ListingType } from './listings.js';

/** The markets the team covers. */
export const MARKETS = ['Austin, TX', 'Denver, CO', 'Raleigh, NC'];

function defineDailyScrape(listingType: ListingType, hour: number, limit: number): ScheduleDefinition {
  const slug = listingType.toLowerCase().replace('_', '-');
  return defineSchedule({
    key: `scrape-${slug}`,
    name: `Daily scrape: ${listingType}`,
    description: `Scrapes ${listingType} listings in every market, at most ${limit} per market`,
    cron: `0 ${hour} * * *`,
    timezone: 'UTC',
    target: { job: 'scrape_listings' },
    payload: { listing_type: listingType, locations: MARKETS, limit },
    enabled: true,
  });
}

export const dailyScrapes = [
  defineDailyScrape('FOR_SALE', 13, 200),
  defineDailyScrape('PENDING', 14, 100),
  defineDailyScrape('SOLD', 15, 150),
  defineDailyScrape('FOR_RENT', 16, 200),
];

/**
 * A whole minute two to three minutes after `now`. The one-off's instant is computed when the
 * config loads, so a fresh start of the example sees it fire a couple of minutes later. A
 * restart moves the instant (a definition change) but keeps the schedule's state: once it has
 * fired it stays inactive.
 */
function inAFewMinutes(now = new Date()): Date {
  const at = new Date(now.getTime() + 3 * 60_000);
  at.setUTCSeconds(0, 0);
  return at;
}

/** A one-off: the sold history of a market the team is about to cover. */
export const oneOffScrape = defineSchedule({
  key: 'scrape-once-boise',
  name: 'One-off scrape: Boise sold history',
  description: 'Scrapes the sold listings of a new market once, with a high limit, before it joins the daily scrapes',
  at: inAFewMinutes(),
  target: { job: 'scrape_listings' },
  payload: { listing_type: 'SOLD', locations: ['Boise, ID'], limit: 500 },
  enabled: true,
});

export const propertyScraperSchedules = [...dailyScrapes, oneOffScrape];
