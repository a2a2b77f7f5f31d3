/**
 * A stand-in for the listing site the scraper reads and for the scraper's own listing table.
 * The "site" generates each location's listings deterministically from the listing type,
 * location and day, 25 to a page; prices drift a little from one day to the next, so a second
 * scrape finds updates as well as new listings. Nothing goes over the network.
 */
import { createRandom, randomInt } from '../shared/work.js';

export const LISTING_TYPES = ['FOR_SALE', 'PENDING', 'SOLD', 'FOR_RENT'] as const;
export type ListingType = (typeof LISTING_TYPES)[number];

/** Listings per result page, as the site serves them. */
export const PAGE_SIZE = 25;

export interface Listing {
  id: string;
  listingType: ListingType;
  location: string;
  address: string;
  /** Sale price, or monthly rent for FOR_RENT, in dollars. */
  price: number;
  bedrooms: number;
  squareFeet: number;
}

/** How many listings of a type the site shows for a location: stable per location and type. */
function countListings(listingType: ListingType, location: string): number {
  const random = createRandom(`size:${listingType}:${location}`);
  return listingType === 'PENDING' ? randomInt(random, 20, 90) : randomInt(random, 60, 260);
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/**
 * One result page of the site (0-based), or an empty array past the last page. The listing ids
 * are stable; prices move with `day`.
 */
export function fetchListingPage(listingType: ListingType, location: string, page: number, day: string): Listing[] {
  const total = countListings(listingType, location);
  const first = page * PAGE_SIZE;
  const basePrice = listingType === 'FOR_RENT' ? 1_800 : 420_000;
  const listings: Listing[] = [];
  for (let index = first; index < Math.min(total, first + PAGE_SIZE); index += 1) {
    const id = `${slug(location)}-${listingType.toLowerCase()}-${index}`;
    const home = createRandom(id);
    const bedrooms = randomInt(home, 1, 5);
    const houseNumber = randomInt(home, 10, 9_999);
    const squareFeet = randomInt(home, 450, 4_200);
    const today = createRandom(`${id}:${day}`);
    const drift = today() < 0.15 ? 1 + randomInt(today, -5, 3) / 100 : 1; // ~15 % are re-priced on a given day
    listings.push({
      id,
      listingType,
      location,
      address: `${houseNumber} ${['Oak', 'Cedar', 'Maple', 'Pine', 'Elm'][index % 5]} St`,
      price: Math.round(basePrice * (0.6 + bedrooms * 0.25) * drift),
      bedrooms,
      squareFeet,
    });
  }
  return listings;
}

/**
 * The scraper's own table: the last known price of every listing it has seen. In-memory for
 * the example (a real scraper upserts rows); it lives as long as the process.
 */
const knownPrices = new Map<string, number>();

/** Stores a scraped listing; says whether it was new, re-priced or unchanged. */
export function saveListing(listing: Listing): 'new' | 'updated' | 'unchanged' {
  const known = knownPrices.get(listing.id);
  knownPrices.set(listing.id, listing.price);
  if (known === undefined) return 'new';
  return known === listing.price ? 'unchanged' : 'updated';
}
