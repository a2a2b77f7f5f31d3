/**
 * The maintenance suite's schedules. Code-defined schedules are synced at start-up: created
 * `inactive` unless `enabled: true`, so turning one on is a deliberate act in the console or
 * CLI (`hourglass schedules enable daily-full-sync`); later code changes update their
 * definition but keep their runtime state.
 */
import { defineSchedule } from 'hourglass';

export const dailyFullSync = defineSchedule({
  key: 'daily-full-sync',
  name: 'Daily Full Sync',
  description: 'Every job type as one batch, in dependency order: the nightly suite an admin used to run by hand',
  cron: '0 2 * * *',
  timezone: 'UTC',
  target: { all: true },
});

export const hourlyMatching = defineSchedule({
  key: 'hourly-matching',
  name: 'Hourly Matching',
  description: 'The matching group, so new profiles get candidates within the hour',
  cron: '0 * * * *',
  target: { group: 'matching' },
});

export const feedRefresh = defineSchedule({
  key: 'feed-refresh',
  name: 'Feed Refresh',
  description: 'Re-ranks, prunes and re-warms the home feed',
  cron: '*/15 * * * *',
  target: { group: 'feed' },
  // The one schedule active from the start, so a fresh `npm start` fires a batch within 15 minutes.
  enabled: true,
});

export const maintenanceSchedules = [dailyFullSync, hourlyMatching, feedRefresh];
