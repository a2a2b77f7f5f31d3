/**
 * The shop platform's schedules. Two system jobs, without a tenant, each run working through
 * every store: the hourly OAuth token refresh and the daily credit deduction. The per-store
 * catalogue imports (tenant = store) are not defined here: `setup.ts` imports them from the
 * platform's old `akeneo_schedules` table, the way a team moving to Hourglass would.
 */
import { defineSchedule } from 'hourglass';

export const oauthTokenRefreshSchedule = defineSchedule({
  key: 'oauth-token-refresh',
  name: 'OAuth token refresh',
  description: 'Refreshes every store\'s payment provider token that expires within 15 minutes',
  cron: '5 * * * *',
  timezone: 'UTC',
  target: { job: 'oauth_token_refresh' },
  payload: { refresh_within_minutes: 15 },
  // A run that finds the provider down retries; the next hour's run replaces a stuck one.
  overlapPolicy: 'replace',
  enabled: true,
});

export const dailyCreditDeductionSchedule = defineSchedule({
  key: 'daily-credit-deduction',
  name: 'Daily credit deduction',
  description: 'Charges every store\'s plan and yesterday\'s order volume in credits, once a day',
  cron: '30 0 * * *',
  timezone: 'UTC',
  target: { job: 'daily_credit_deduction' },
  payload: { plan_credits: 10, credits_per_100_orders: 3 },
  // A missed night (the platform was down) is charged once when it comes back, not skipped.
  missedRunPolicy: 'run_once',
  enabled: true,
});

export const shopPlatformSchedules = [oauthTokenRefreshSchedule, dailyCreditDeductionSchedule];
