/**
 * The `feed` group: ranking, pruning and pre-rendering the home feed. Rankings use the match
 * graph, so they wait for `recompute_matches`; the cache is warmed last, from the fresh ranking
 * and without the pruned items.
 */
import { z } from 'zod';
import { defineJob } from 'hourglass';
import { createRandom, failIfAsked, failureFlags, pause, randomInt, round, sha256 } from '../shared/work.js';

interface FeedPost {
  id: string;
  likes: number;
  comments: number;
  ageHours: number;
}

function createPosts(random: () => number, count: number): FeedPost[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `post_${i}`,
    likes: randomInt(random, 0, 500),
    comments: randomInt(random, 0, 80),
    ageHours: randomInt(random, 0, 24 * 45),
  }));
}

/** Hacker-News-style gravity: engagement decays with age so yesterday's hit sinks. */
function computeHotScore(post: FeedPost, gravity: number): number {
  return (post.likes + 2 * post.comments) / (post.ageHours + 2) ** gravity;
}

export const refreshFeedRankings = defineJob({
  name: 'refresh_feed_rankings',
  description: 'Re-ranks feed posts by engagement decayed with age',
  group: 'feed',
  dependsOn: ['recompute_matches'],
  timeout: '5m',
  maxAttempts: 3,
  payload: failureFlags.extend({ gravity: z.number().min(0.1).max(5).default(1.8) }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const posts = createPosts(random, randomInt(random, 1000, 3000));
    const ranked = posts
      .map((post) => ({ id: post.id, score: computeHotScore(post, ctx.payload.gravity) }))
      .sort((a, b) => b.score - a.score);
    await pause(randomInt(random, 100, 300), ctx.signal);
    ctx.metrics.set('posts_ranked', ranked.length);
    ctx.metrics.set('top_score', round(ranked[0]?.score ?? 0, 4));
    ctx.log.info('ranked feed posts', { posts: ranked.length, top: ranked[0]?.id });
    failIfAsked(ctx.payload, 'refresh_feed_rankings');
    return { posts_ranked: ranked.length, top_posts: ranked.slice(0, 3).map((p) => p.id) };
  },
});

export const pruneFeedItems = defineJob({
  name: 'prune_feed_items',
  description: 'Drops feed items past their maximum age or authored by purged accounts',
  group: 'feed',
  dependsOn: ['cleanup_deleted_accounts'],
  timeout: '5m',
  maxAttempts: 3,
  payload: failureFlags.extend({ max_age_days: z.number().int().min(1).default(30) }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const posts = createPosts(random, randomInt(random, 1000, 3000));
    const tooOld = posts.filter((p) => p.ageHours > ctx.payload.max_age_days * 24).length;
    const orphaned = posts.filter(() => random() < 0.01).length;
    await pause(randomInt(random, 60, 200), ctx.signal);
    ctx.metrics.set('items_scanned', posts.length);
    ctx.metrics.set('items_pruned', tooOld + orphaned);
    ctx.log.info('pruned feed items', { too_old: tooOld, orphaned });
    failIfAsked(ctx.payload, 'prune_feed_items');
    return { pruned: tooOld + orphaned, kept: posts.length - tooOld - orphaned };
  },
});

export const warmFeedCache = defineJob({
  name: 'warm_feed_cache',
  description: 'Pre-renders the first feed page of the most active users into the cache',
  group: 'feed',
  dependsOn: ['refresh_feed_rankings', 'prune_feed_items'],
  timeout: '5m',
  maxAttempts: 2,
  payload: failureFlags.extend({
    users: z.number().int().min(1).max(10_000).default(200),
    page_size: z.number().int().min(1).max(100).default(20),
  }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const posts = createPosts(random, 500).sort((a, b) => computeHotScore(b, 1.8) - computeHotScore(a, 1.8));
    let bytes = 0;
    for (let user = 0; user < ctx.payload.users; user += 1) {
      const offset = randomInt(random, 0, 40); // personalisation stand-in: each user starts elsewhere
      const page = JSON.stringify(posts.slice(offset, offset + ctx.payload.page_size));
      bytes += Buffer.byteLength(page) + sha256(`feed:${user}:${page}`).length;
    }
    await pause(randomInt(random, 80, 250), ctx.signal);
    ctx.metrics.set('cache_entries_written', ctx.payload.users);
    ctx.metrics.set('cache_bytes', bytes);
    ctx.log.info('warmed feed cache', { users: ctx.payload.users, kib: round(bytes / 1024, 1) });
    failIfAsked(ctx.payload, 'warm_feed_cache');
    return { cache_entries_written: ctx.payload.users, cache_bytes: bytes };
  },
});

export const feedJobs = [refreshFeedRankings, pruneFeedItems, warmFeedCache];
