/**
 * A stand-in for the mention sources of the brand monitoring product. Mentions are generated
 * deterministically from brand, collector and day: `data_collection` "fetches" them, and
 * `scoring` reloads the same day's mentions even when it runs in another worker process. (A
 * real application would have `data_collection` store rows and `scoring` read them.)
 */
import { createRandom, pick, randomInt } from '../shared/work.js';

export const COLLECTORS = ['news', 'social', 'reviews', 'forums'] as const;
export type Collector = (typeof COLLECTORS)[number];

export interface Mention {
  collector: Collector;
  /** -1 (hostile) to 1 (glowing). */
  sentiment: number;
  /** Estimated audience of the mention. */
  reach: number;
  text: string;
}

/** Typical audience per source: one news article reaches more people than one forum post. */
const REACH: Record<Collector, [number, number]> = {
  news: [5_000, 200_000],
  social: [50, 20_000],
  reviews: [100, 5_000],
  forums: [20, 2_000],
};

const PHRASES = ['love the new', 'disappointed by', 'just tried', 'would not recommend', 'great value from', 'support was slow at'];

/** The day's mentions of a brand from one collector: between half of `limit` and `limit`. */
export function collectMentions(brandId: string, collector: Collector, limit: number, day: string): Mention[] {
  const random = createRandom(`${brandId}:${collector}:${day}`);
  const [minReach, maxReach] = REACH[collector];
  return Array.from({ length: randomInt(random, Math.ceil(limit / 2), limit) }, () => {
    const phrase = pick(random, PHRASES);
    const tone = /love|great|tried/.test(phrase) ? 0.5 : -0.5;
    return {
      collector,
      sentiment: Math.max(-1, Math.min(1, tone + (random() - 0.5))),
      reach: randomInt(random, minReach, maxReach),
      text: `${phrase} ${brandId}`,
    };
  });
}

/** The calendar day (UTC) a run collects for: its slot's day, or today for a manual run. */
export function computeCollectionDay(scheduledFor: Date | null): string {
  return (scheduledFor ?? new Date()).toISOString().slice(0, 10);
}
