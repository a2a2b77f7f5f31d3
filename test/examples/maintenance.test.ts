/**
 * examples/maintenance, as its README promises: `daily-full-sync` runs the 20 job types as one
 * batch in dependency order, and when one of them fails, exactly the job types downstream of
 * it end `cancelled` while everything else completes.
 */
import { describe, expect, it } from 'vitest';
import config from '../../examples/maintenance/hourglass.config.js';
import { maintenanceJobs } from '../../examples/maintenance/jobs.js';
import { triggerAndWait, useExample } from './harness.js';

/** Every job type that depends on `name`, directly or through others. */
function downstreamOf(name: string): Set<string> {
  const found = new Set<string>();
  const visit = (current: string) => {
    for (const job of maintenanceJobs) {
      if (job.dependsOn?.includes(current) && !found.has(job.name)) {
        found.add(job.name);
        visit(job.name);
      }
    }
  };
  visit(name);
  return found;
}

describe('maintenance example', () => {
  const example = useExample(config);

  it('defines daily-full-sync at 02:00 UTC, hourly-matching and feed-refresh, with only feed-refresh active', async () => {
    const { items } = await example().schedules.list({ limit: 100 });
    const byKey = Object.fromEntries(items.map((schedule) => [schedule.key, schedule]));
    expect(Object.keys(byKey).sort()).toEqual(['daily-full-sync', 'feed-refresh', 'hourly-matching']);
    expect(byKey['daily-full-sync']).toMatchObject({ cronExpression: '0 2 * * *', timezone: 'UTC', executionMode: 'all_jobs', status: 'inactive' });
    expect(byKey['hourly-matching']).toMatchObject({ jobGroup: 'matching', status: 'inactive' });
    expect(byKey['feed-refresh']).toMatchObject({ jobGroup: 'feed', status: 'active' });
  });

  it('runs the whole suite; a failed job cancels exactly its dependents', async () => {
    const failing = 'recompute_matches';
    const downstream = downstreamOf(failing);
    expect([...downstream].sort()).toEqual(['rebuild_search_index', 'refresh_feed_rankings', 'send_match_digests', 'warm_feed_cache', 'warm_search_suggestions']);

    const runs = await triggerAndWait(example(), 'daily-full-sync', { fail_jobs: [failing] });
    expect(runs).toHaveLength(20);
    expect(new Set(runs.map((run) => run.batchId)).size).toBe(1);
    const statusOf = Object.fromEntries(runs.map((run) => [run.jobType, run.status]));
    for (const job of maintenanceJobs) {
      const expected = job.name === failing ? 'failed' : downstream.has(job.name) ? 'cancelled' : 'completed';
      expect(statusOf[job.name], job.name).toBe(expected);
    }
    const failed = runs.find((run) => run.jobType === failing)!;
    expect(failed.errorMessage).toMatch(/simulated failure/);
    expect(failed.attempt).toBe(failed.maxAttempts); // retried, then failed for good

    // Dependency order: every completed run started after the runs it depends on finished.
    const byId = new Map(runs.map((run) => [run.id, run]));
    for (const run of runs.filter((candidate) => candidate.status === 'completed')) {
      for (const dependencyId of run.dependsOn) expect(byId.get(dependencyId)!.finishedAt!.getTime()).toBeLessThanOrEqual(run.startedAt!.getTime());
    }
  });

  it('completes the hourly-matching and feed-refresh batches', async () => {
    const matching = await triggerAndWait(example(), 'hourly-matching');
    expect(matching.map((run) => run.jobType).sort()).toEqual(['expire_stale_matches', 'recompute_matches', 'refresh_user_embeddings', 'send_match_digests']);
    const feed = await triggerAndWait(example(), 'feed-refresh');
    expect(feed.map((run) => run.jobType).sort()).toEqual(['prune_feed_items', 'refresh_feed_rankings', 'warm_feed_cache']);
    for (const run of [...matching, ...feed]) {
      expect(run.status, run.jobType).toBe('completed');
      expect(Object.keys(run.metrics).length, run.jobType).toBeGreaterThan(0);
    }
  });
});
