/**
 * The `matching` group: profile embeddings, match candidates and the digests that announce them.
 * `recompute_matches` waits for fresh embeddings, fresh quiz scores (compatibility is part of
 * the match score) and the expiry of stale matches, so it never resurrects an expired pair.
 */
import { z } from 'zod';
import { defineJob } from 'hourglass';
import { createRandom, failIfAsked, failureFlags, pause, randomInt, round, sha256 } from '../shared/work.js';

/** Random interest vectors scaled to unit length, so a dot product is the cosine similarity. */
function createProfileVectors(random: () => number, users: number, dimensions: number): number[][] {
  return Array.from({ length: users }, () => {
    const vector = Array.from({ length: dimensions }, () => random() * 2 - 1);
    const norm = Math.hypot(...vector) || 1;
    return vector.map((x) => x / norm);
  });
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
}

export const refreshUserEmbeddings = defineJob({
  name: 'refresh_user_embeddings',
  description: 'Recomputes the interest vector of every profile changed since the last run',
  group: 'matching',
  dependsOn: ['cleanup_deleted_accounts'],
  timeout: '20m',
  maxAttempts: 3,
  payload: failureFlags.extend({ dimensions: z.number().int().min(2).max(256).default(32) }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const changedProfiles = randomInt(random, 150, 400);
    const vectors = createProfileVectors(random, changedProfiles, ctx.payload.dimensions);
    await pause(randomInt(random, 200, 500), ctx.signal);
    const meanNorm = vectors.reduce((sum, v) => sum + Math.hypot(...v), 0) / vectors.length;
    ctx.metrics.set('embeddings_refreshed', vectors.length);
    ctx.metrics.set('dimensions', ctx.payload.dimensions);
    ctx.log.info('refreshed profile embeddings', { profiles: vectors.length, mean_norm: round(meanNorm, 4) });
    failIfAsked(ctx.payload, 'refresh_user_embeddings');
    return { embeddings_refreshed: vectors.length, dimensions: ctx.payload.dimensions };
  },
});

export const expireStaleMatches = defineJob({
  name: 'expire_stale_matches',
  description: 'Expires matches nobody acted on within the time-to-live',
  group: 'matching',
  timeout: '5m',
  maxAttempts: 3,
  payload: failureFlags.extend({ ttl_days: z.number().int().min(1).default(14) }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const ages = Array.from({ length: randomInt(random, 300, 800) }, () => Math.floor(random() ** 2 * 30)); // in days
    const expired = ages.filter((days) => days > ctx.payload.ttl_days).length;
    await pause(randomInt(random, 60, 180), ctx.signal);
    ctx.metrics.set('matches_scanned', ages.length);
    ctx.metrics.set('matches_expired', expired);
    ctx.log.info('expired stale matches', { expired, ttl_days: ctx.payload.ttl_days });
    failIfAsked(ctx.payload, 'expire_stale_matches');
    return { scanned: ages.length, expired };
  },
});

export const recomputeMatches = defineJob({
  name: 'recompute_matches',
  description: 'Scores every pair of active profiles and keeps the best candidates per user',
  group: 'matching',
  dependsOn: ['refresh_user_embeddings', 'recompute_quiz_scores', 'expire_stale_matches'],
  timeout: '30m',
  maxAttempts: 2,
  concurrency: 1,
  payload: failureFlags.extend({ candidates_per_user: z.number().int().min(1).max(50).default(5) }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const vectors = createProfileVectors(random, 200, 32);
    let scoreSum = 0;
    for (const [i, vector] of vectors.entries()) {
      const scores = vectors.map((other, j) => (i === j ? -Infinity : dot(vector, other)));
      const best = scores.sort((a, b) => b - a).slice(0, ctx.payload.candidates_per_user);
      scoreSum += best.reduce((sum, s) => sum + s, 0);
      if (i % 50 === 49) await pause(60, ctx.signal); // yield between chunks so cancellation lands quickly
    }
    const matches = vectors.length * ctx.payload.candidates_per_user;
    ctx.metrics.set('users_matched', vectors.length);
    ctx.metrics.set('matches_created', matches);
    ctx.metrics.set('mean_match_score', round(scoreSum / matches, 4));
    ctx.log.info('recomputed match candidates', { users: vectors.length, matches });
    failIfAsked(ctx.payload, 'recompute_matches');
    return { users_matched: vectors.length, matches_created: matches };
  },
});

export const sendMatchDigests = defineJob({
  name: 'send_match_digests',
  description: 'Queues the nightly "your new matches" e-mail for users who opted in',
  group: 'matching',
  dependsOn: ['recompute_matches'],
  timeout: '10m',
  maxAttempts: 5,
  payload: failureFlags.extend({ min_new_matches: z.number().int().min(1).default(1) }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const users = Array.from({ length: randomInt(random, 100, 300) }, (_, i) => ({
      id: `user_${i}`,
      optedIn: random() < 0.6,
      newMatches: randomInt(random, 0, 6),
    }));
    const recipients = users.filter((u) => u.optedIn && u.newMatches >= ctx.payload.min_new_matches);
    // Keyed by run id, so the mail queue drops the duplicates a retried attempt would send.
    const messages = recipients.map((u) => ({
      idempotencyKey: sha256(`${ctx.runId}:${u.id}`),
      body: `Hi ${u.id}, you have ${u.newMatches} new matches today.`,
    }));
    await pause(randomInt(random, 100, 300), ctx.signal);
    ctx.metrics.set('digests_queued', messages.length);
    ctx.metrics.set('digest_bytes', messages.reduce((sum, m) => sum + Buffer.byteLength(m.body), 0));
    ctx.log.info('queued match digests', { recipients: messages.length, attempt: ctx.attempt });
    failIfAsked(ctx.payload, 'send_match_digests');
    return { digests_queued: messages.length, skipped: users.length - messages.length };
  },
});

export const matchingJobs = [refreshUserEmbeddings, expireStaleMatches, recomputeMatches, sendMatchDigests];
