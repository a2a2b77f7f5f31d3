/**
 * Brand monitoring: collect the day's mentions of a brand, then score its reputation. The two
 * job types can be scheduled on their own (as a batch, `scoring` waits for `data_collection`)
 * or together as the two-step pipeline `data_collection_and_scoring`, which keeps one run with
 * metrics per step.
 */
import { z } from 'zod';
import { defineJob } from 'hourglass';
import { failIfAsked, failureFlags, pause, round } from '../shared/work.js';
import { COLLECTORS, collectMentions, computeCollectionDay } from './mentions.js';

/** Shared by both job types, so the pipeline's single payload is valid for each step. */
const brandPayload = failureFlags.extend({
  // Defaulted so an `{ all: true }` schedule, which carries no payload, still has a brand to watch.
  brand_id: z.string().min(1).default('acme'),
  collectors: z.array(z.enum(COLLECTORS)).min(1).default([...COLLECTORS]),
  limit: z.number().int().min(1).max(10_000).default(100),
});

export const dataCollection = defineJob({
  name: 'data_collection',
  description: 'Collects the day\'s mentions of a brand from news, social media, reviews and forums',
  group: 'brand_monitoring',
  timeout: '15m',
  maxAttempts: 3,
  concurrency: 4,
  payload: brandPayload,
  async run(ctx) {
    const { brand_id: brandId, collectors, limit } = ctx.payload;
    const day = computeCollectionDay(ctx.scheduledFor);
    const counts: Record<string, number> = {};
    for (const collector of collectors) {
      await pause(50 + limit, ctx.signal); // bigger pages take longer to fetch
      const mentions = collectMentions(brandId, collector, limit, day);
      counts[collector] = mentions.length;
      ctx.metrics.set(`mentions_${collector}`, mentions.length);
      ctx.metrics.increment('mentions_total', mentions.length);
    }
    ctx.log.info('collected mentions', { brand_id: brandId, day, ...counts });
    failIfAsked(ctx.payload, 'data_collection');
    return { brand_id: brandId, day, mentions: counts };
  },
});

export const scoring = defineJob({
  name: 'scoring',
  description: 'Scores a brand\'s reputation (0–100) from the day\'s mentions, weighted by reach',
  group: 'brand_monitoring',
  dependsOn: ['data_collection'],
  timeout: '15m',
  maxAttempts: 3,
  concurrency: 2,
  payload: brandPayload,
  async run(ctx) {
    const { brand_id: brandId, collectors, limit } = ctx.payload;
    const day = computeCollectionDay(ctx.scheduledFor);
    const mentions = collectors.flatMap((collector) => collectMentions(brandId, collector, limit, day));
    await pause(100 + mentions.length / 2, ctx.signal);
    // log10 of reach: a viral post matters more than a forum reply, but not ten thousand times more.
    const weights = mentions.map((m) => Math.log10(m.reach + 1));
    const weighted = mentions.reduce((sum, m, i) => sum + m.sentiment * (weights[i] ?? 0), 0);
    const totalWeight = weights.reduce((sum, w) => sum + w, 0) || 1;
    const score = round(((weighted / totalWeight + 1) / 2) * 100, 1);
    const negativeShare = round(mentions.filter((m) => m.sentiment < 0).length / Math.max(1, mentions.length), 3);
    ctx.metrics.set('score', score);
    ctx.metrics.set('mentions_scored', mentions.length);
    ctx.metrics.set('negative_share', negativeShare);
    if (score < 40) ctx.log.warn('brand reputation is low', { brand_id: brandId, score });
    else ctx.log.info('scored brand reputation', { brand_id: brandId, score, day });
    failIfAsked(ctx.payload, 'scoring');
    return { brand_id: brandId, day, score, mentions: mentions.length, negative_share: negativeShare };
  },
});

export const dataCollectionAndScoring = defineJob({
  name: 'data_collection_and_scoring',
  description: 'Collects and then scores in one run (a two-step pipeline with metrics per step)',
  // No group: a `{ group: 'brand_monitoring' }` batch already runs both steps as separate runs.
  timeout: '30m',
  maxAttempts: 2,
  steps: ['data_collection', 'scoring'],
});

export const brandMonitoringJobs = [dataCollection, scoring, dataCollectionAndScoring];
