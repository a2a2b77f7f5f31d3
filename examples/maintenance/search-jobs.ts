/**
 * The `search` group: the profile search index, its synonym list and the type-ahead
 * suggestions built from both. The index is rebuilt after `recompute_matches` because match
 * counts are part of each profile document.
 */
import { z } from 'zod';
import { defineJob } from 'hourglass';
import { createRandom, failIfAsked, failureFlags, pause, pick, randomInt } from '../shared/work.js';

const VOCABULARY = [
  'hiking', 'climbing', 'jazz', 'techno', 'cooking', 'baking', 'chess', 'yoga', 'running', 'cycling',
  'photography', 'painting', 'travel', 'sailing', 'gardening', 'reading', 'poetry', 'cinema', 'dogs', 'cats',
];

const SYNONYM_CLUSTERS = [
  ['hiking', 'trekking', 'hillwalking'], ['cinema', 'movies', 'films'], ['cycling', 'biking'],
  ['running', 'jogging'], ['dogs', 'puppies'], ['travel', 'backpacking', 'trips'], ['cooking', 'cuisine'],
];

function createProfileText(random: () => number): string {
  return Array.from({ length: randomInt(random, 5, 25) }, () => pick(random, VOCABULARY)).join(' ');
}

export const rebuildSearchIndex = defineJob({
  name: 'rebuild_search_index',
  description: 'Rebuilds the inverted index of profile texts used by people search',
  group: 'search',
  dependsOn: ['recompute_matches'],
  timeout: '30m',
  maxAttempts: 2,
  concurrency: 1,
  payload: failureFlags.extend({ documents: z.number().int().min(1).max(100_000).default(2000) }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const index = new Map<string, Set<number>>();
    for (let doc = 0; doc < ctx.payload.documents; doc += 1) {
      for (const term of createProfileText(random).toLowerCase().split(/\s+/)) {
        const postings = index.get(term) ?? new Set<number>();
        index.set(term, postings.add(doc));
      }
    }
    await pause(randomInt(random, 250, 600), ctx.signal);
    const postings = [...index.values()].reduce((sum, docs) => sum + docs.size, 0);
    ctx.metrics.set('documents_indexed', ctx.payload.documents);
    ctx.metrics.set('terms_indexed', index.size);
    ctx.metrics.set('postings', postings);
    ctx.log.info('rebuilt search index', { documents: ctx.payload.documents, terms: index.size });
    failIfAsked(ctx.payload, 'rebuild_search_index');
    return { documents_indexed: ctx.payload.documents, terms_indexed: index.size, postings };
  },
});

export const refreshSearchSynonyms = defineJob({
  name: 'refresh_search_synonyms',
  description: 'Reloads the editorial synonym list and merges groups that share a term',
  group: 'search',
  timeout: '2m',
  maxAttempts: 3,
  payload: failureFlags,
  async run(ctx) {
    const random = createRandom(ctx.runId);
    // The list editors maintain: one comma-separated group per line, overlapping and untidy.
    const source = Array.from({ length: 60 }, () => {
      const cluster = pick(random, SYNONYM_CLUSTERS);
      return cluster.filter(() => random() < 0.7).map((t) => (random() < 0.2 ? ` ${t.toUpperCase()} ` : t)).join(',');
    }).join('\n');
    const groups = new Map<string, Set<string>>();
    for (const line of source.split('\n')) {
      const terms = line.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
      const merged = new Set(terms.flatMap((t) => [...(groups.get(t) ?? [t])]));
      for (const term of merged) groups.set(term, merged);
    }
    await pause(randomInt(random, 50, 150), ctx.signal);
    const distinctGroups = new Set(groups.values()).size;
    ctx.metrics.set('synonym_terms', groups.size);
    ctx.metrics.set('synonym_groups', distinctGroups);
    ctx.log.info('refreshed synonyms', { terms: groups.size, groups: distinctGroups });
    failIfAsked(ctx.payload, 'refresh_search_synonyms');
    return { synonym_terms: groups.size, synonym_groups: distinctGroups };
  },
});

export const warmSearchSuggestions = defineJob({
  name: 'warm_search_suggestions',
  description: 'Builds type-ahead suggestions per prefix from recent search queries',
  group: 'search',
  dependsOn: ['rebuild_search_index', 'refresh_search_synonyms'],
  timeout: '5m',
  maxAttempts: 3,
  payload: failureFlags.extend({ per_prefix: z.number().int().min(1).max(20).default(5) }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const queryCounts = new Map<string, number>();
    for (let i = 0; i < 5000; i += 1) {
      const query = pick(random, VOCABULARY);
      queryCounts.set(query, (queryCounts.get(query) ?? 0) + 1);
    }
    const byPrefix = new Map<string, string[]>();
    const popular = [...queryCounts].sort((a, b) => b[1] - a[1]).map(([query]) => query);
    for (const query of popular) {
      for (let length = 1; length <= 3; length += 1) {
        const list = byPrefix.get(query.slice(0, length)) ?? [];
        if (list.length < ctx.payload.per_prefix) byPrefix.set(query.slice(0, length), [...list, query]);
      }
    }
    await pause(randomInt(random, 80, 200), ctx.signal);
    ctx.metrics.set('prefixes', byPrefix.size);
    ctx.metrics.set('queries_counted', 5000);
    ctx.log.info('warmed search suggestions', { prefixes: byPrefix.size, top_query: popular[0] });
    failIfAsked(ctx.payload, 'warm_search_suggestions');
    return { prefixes: byPrefix.size, top_queries: popular.slice(0, 3) };
  },
});

export const searchJobs = [rebuildSearchIndex, refreshSearchSynonyms, warmSearchSuggestions];
