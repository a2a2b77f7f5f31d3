/**
 * The `media` group: uploaded photos. Orphans (media of purged accounts) are removed first, so
 * the thumbnail and checksum passes do not spend time on files that are about to go.
 */
import { z } from 'zod';
import { defineJob } from 'hourglass';
import { createRandom, failIfAsked, failureFlags, pause, randomInt, round, sha256 } from '../shared/work.js';

/** Averages `factor`×`factor` blocks of a square greyscale image: a box-filter downscale. */
function downscale(pixels: Uint8Array, side: number, factor: number): Uint8Array {
  const outSide = Math.floor(side / factor);
  const out = new Uint8Array(outSide * outSide);
  for (let y = 0; y < outSide; y += 1) {
    for (let x = 0; x < outSide; x += 1) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy += 1) {
        for (let dx = 0; dx < factor; dx += 1) sum += pixels[(y * factor + dy) * side + x * factor + dx] ?? 0;
      }
      out[y * outSide + x] = Math.round(sum / (factor * factor));
    }
  }
  return out;
}

export const purgeOrphanedMedia = defineJob({
  name: 'purge_orphaned_media',
  description: 'Deletes stored media whose owning account or post no longer exists',
  group: 'media',
  dependsOn: ['cleanup_deleted_accounts'],
  timeout: '30m',
  maxAttempts: 3,
  payload: failureFlags.extend({ dry_run: z.boolean().default(false) }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const liveOwners = new Set(Array.from({ length: 400 }, (_, i) => `user_${i}`));
    const media = Array.from({ length: randomInt(random, 800, 2000) }, () => ({
      owner: `user_${randomInt(random, 0, 430)}`, // owners above 399 were purged
      bytes: randomInt(random, 20_000, 4_000_000),
    }));
    const orphans = media.filter((m) => !liveOwners.has(m.owner));
    const bytesFreed = ctx.payload.dry_run ? 0 : orphans.reduce((sum, m) => sum + m.bytes, 0);
    await pause(randomInt(random, 150, 400), ctx.signal);
    ctx.metrics.set('media_scanned', media.length);
    ctx.metrics.set('media_purged', ctx.payload.dry_run ? 0 : orphans.length);
    ctx.metrics.set('mib_freed', round(bytesFreed / 1_048_576, 1));
    ctx.log.info('purged orphaned media', { orphans: orphans.length, dry_run: ctx.payload.dry_run });
    failIfAsked(ctx.payload, 'purge_orphaned_media');
    return { orphans: orphans.length, bytes_freed: bytesFreed };
  },
});

export const regenerateThumbnails = defineJob({
  name: 'regenerate_thumbnails',
  description: 'Renders missing thumbnails for photos uploaded since the last run',
  group: 'media',
  dependsOn: ['purge_orphaned_media'],
  timeout: '20m',
  maxAttempts: 3,
  concurrency: 2,
  payload: failureFlags.extend({
    photos: z.number().int().min(1).max(1000).default(12),
    factors: z.array(z.number().int().min(2).max(16)).min(1).default([2, 4, 8]),
  }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const side = 256;
    let thumbnailBytes = 0;
    for (let photo = 0; photo < ctx.payload.photos; photo += 1) {
      const pixels = Uint8Array.from({ length: side * side }, () => randomInt(random, 0, 255));
      for (const factor of ctx.payload.factors) thumbnailBytes += downscale(pixels, side, factor).length;
      // Incremented per photo so a run cut short by its timeout still shows how far it got.
      ctx.metrics.increment('thumbnails_generated', ctx.payload.factors.length);
      await pause(15, ctx.signal);
    }
    const thumbnails = ctx.payload.photos * ctx.payload.factors.length;
    ctx.metrics.set('thumbnail_bytes', thumbnailBytes);
    ctx.log.info('regenerated thumbnails', { photos: ctx.payload.photos, thumbnails });
    failIfAsked(ctx.payload, 'regenerate_thumbnails');
    return { photos: ctx.payload.photos, thumbnails, thumbnail_bytes: thumbnailBytes };
  },
});

export const verifyMediaChecksums = defineJob({
  name: 'verify_media_checksums',
  description: 'Re-hashes a sample of stored media and reports files whose checksum changed',
  group: 'media',
  dependsOn: ['purge_orphaned_media'],
  timeout: '1h',
  maxAttempts: 2,
  payload: failureFlags.extend({ sample: z.number().int().min(1).max(10_000).default(300) }),
  async run(ctx) {
    const random = createRandom(ctx.runId);
    const mismatched: string[] = [];
    for (let i = 0; i < ctx.payload.sample; i += 1) {
      const content = Buffer.from(Array.from({ length: 512 }, () => randomInt(random, 0, 255)));
      const stored = sha256(content);
      // Roughly one file in 200 suffers bit rot between upload and today.
      if (random() < 0.005) content[0] = (content[0] ?? 0) ^ 0xff;
      if (sha256(content) !== stored) mismatched.push(`media_${i}`);
    }
    await pause(randomInt(random, 100, 300), ctx.signal);
    ctx.metrics.set('files_verified', ctx.payload.sample);
    ctx.metrics.set('checksum_mismatches', mismatched.length);
    if (mismatched.length > 0) ctx.log.warn('checksum mismatches found', { files: mismatched });
    else ctx.log.info('all sampled checksums match', { files: ctx.payload.sample });
    failIfAsked(ctx.payload, 'verify_media_checksums');
    return { files_verified: ctx.payload.sample, mismatched };
  },
});

export const mediaJobs = [purgeOrphanedMedia, regenerateThumbnails, verifyMediaChecksums];
