/**
 * The `maintenance` group of the nightly suite: account clean-up and bookkeeping that the other
 * groups build on. `cleanup_deleted_accounts` is the root of most dependency chains, because
 * nothing should be matched, indexed or thumbnailed for an account that is about to vanish.
 */
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { defineJob } from 'hourglass';
import { createRandom, failIfAsked, failureFlags, pause, randomInt, round, sha256 } from '../shared/work.js';

const DAY_MS = 86_400_000;

export const cleanupDeletedAccounts = defineJob({
  name: 'cleanup_deleted_accounts',
  description: 'Hard-deletes accounts whose soft deletion is older than the retention period',
  group: 'maintenance',
  timeout: '10m',
  maxAttempts: 3,
  payload: failureFlags.extend({
    retention_days: z.number().int().min(1).default(30),
    dry_run: z.boolean().default(false),
  }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const accounts = Array.from({ length: randomInt(random, 400, 900) }, () =>
      random() < 0.08 ? { deletedDaysAgo: randomInt(random, 0, 90) } : { deletedDaysAgo: null },
    );
    await pause(randomInt(random, 150, 400), ctx.signal);
    const due = accounts.filter((a) => a.deletedDaysAgo !== null && a.deletedDaysAgo >= ctx.payload.retention_days);
    const purged = ctx.payload.dry_run ? 0 : due.length;
    ctx.metrics.set('accounts_scanned', accounts.length);
    ctx.metrics.set('accounts_purged', purged);
    ctx.log.info('purged soft-deleted accounts', { due: due.length, purged, dry_run: ctx.payload.dry_run });
    failIfAsked(ctx.payload, 'cleanup_deleted_accounts');
    return { scanned: accounts.length, due: due.length, purged };
  },
});

export const expireStaleSessions = defineJob({
  name: 'expire_stale_sessions',
  description: 'Revokes login sessions idle for longer than the limit',
  group: 'maintenance',
  timeout: '5m',
  maxAttempts: 3,
  payload: failureFlags.extend({ idle_hours: z.number().int().min(1).default(72) }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const sessions = Array.from({ length: randomInt(random, 500, 1500) }, (_, i) => ({
      token: `${ctx.runId}:${i}`,
      idleHours: Math.floor(random() ** 3 * 24 * 14), // most sessions were used recently
    }));
    const expired = sessions.filter((s) => s.idleHours > ctx.payload.idle_hours);
    // Only token hashes go to the revocation list, never the tokens themselves.
    const revocationList = expired.map((s) => sha256(s.token));
    await pause(randomInt(random, 80, 250), ctx.signal);
    ctx.metrics.set('sessions_scanned', sessions.length);
    ctx.metrics.set('sessions_expired', expired.length);
    ctx.log.info('expired idle sessions', { expired: expired.length, idle_hours: ctx.payload.idle_hours });
    failIfAsked(ctx.payload, 'expire_stale_sessions');
    return { expired: expired.length, revocation_list_digest: sha256(revocationList.join('\n')).slice(0, 16) };
  },
});

export const archiveActivityLog = defineJob({
  name: 'archive_activity_log',
  description: 'Compresses activity log entries older than the hot window into monthly archives',
  group: 'maintenance',
  timeout: '15m',
  maxAttempts: 2,
  payload: failureFlags.extend({ keep_days: z.number().int().min(1).default(90) }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const actions = ['login', 'like', 'message', 'profile_update', 'logout'];
    const lines = Array.from({ length: randomInt(random, 2000, 4000) }, (_, i) => {
      const at = new Date(Date.now() - randomInt(random, 0, 365) * DAY_MS).toISOString();
      return `${at}\tuser_${randomInt(random, 1, 500)}\t${actions[i % actions.length]}`;
    });
    const cutoff = Date.now() - ctx.payload.keep_days * DAY_MS;
    const old = lines.filter((line) => Date.parse(line.slice(0, line.indexOf('\t'))) < cutoff);
    const months = new Set(old.map((line) => line.slice(0, 7)));
    const raw = Buffer.from(old.join('\n'));
    const archive = gzipSync(raw);
    await pause(randomInt(random, 200, 500), ctx.signal);
    ctx.metrics.set('rows_archived', old.length);
    ctx.metrics.set('archive_bytes', archive.length);
    ctx.metrics.set('compression_ratio', round(raw.length / Math.max(1, archive.length)));
    ctx.log.info('archived activity log', { rows: old.length, months: months.size, bytes: archive.length });
    failIfAsked(ctx.payload, 'archive_activity_log');
    return { rows_archived: old.length, months: [...months].sort(), archive_bytes: archive.length };
  },
});

export const reconcileUserCounters = defineJob({
  name: 'reconcile_user_counters',
  description: 'Recounts follower and like counters that drifted from the underlying rows',
  group: 'maintenance',
  dependsOn: ['cleanup_deleted_accounts'],
  timeout: '10m',
  maxAttempts: 3,
  payload: failureFlags,
  async run(ctx) {
    const random = createRandom(ctx.runId);
    let checked = 0;
    let fixed = 0;
    for (let chunk = 0; chunk < 4; chunk += 1) {
      for (let i = 0; i < 250; i += 1) {
        const actual = randomInt(random, 0, 2000);
        // About 3% of cached counters drift (missed decrements after deletions).
        const cached = random() < 0.03 ? actual + randomInt(random, 1, 20) : actual;
        checked += 1;
        if (cached !== actual) fixed += 1;
      }
      await pause(randomInt(random, 30, 80), ctx.signal);
    }
    ctx.metrics.set('users_checked', checked);
    ctx.metrics.set('counters_fixed', fixed);
    if (fixed > 0) ctx.log.warn('corrected drifted counters', { fixed });
    failIfAsked(ctx.payload, 'reconcile_user_counters');
    return { checked, fixed };
  },
});

export const maintenanceGroupJobs = [cleanupDeletedAccounts, expireStaleSessions, archiveActivityLog, reconcileUserCounters];
