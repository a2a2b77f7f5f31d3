/**
 * The web console at `/`: the static files Vite built into `dist/console` (`npm run build`,
 * which `npm ci` runs). Hashed assets are cached for good; `index.html` is revalidated, so a
 * new build shows at the next load. Without a build (a checkout that skipped it) `/` explains
 * how to get one; the API works either way.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { consolePlaceholder } from './console-placeholder.js';

/** `dist/console` seen from `dist/api` (the built server) or from `src/api` (tests, jiti). */
const candidates = [new URL('../console/', import.meta.url), new URL('../../dist/console/', import.meta.url)].map((url) => fileURLToPath(url));

export function findConsoleDirectory(): string | null {
  return candidates.find((dir) => existsSync(`${dir}index.html`)) ?? null;
}

export async function registerConsole(app: FastifyInstance, directory = findConsoleDirectory()): Promise<void> {
  if (!directory) {
    app.get('/', async (_, reply) => reply.type('text/html; charset=utf-8').send(consolePlaceholder));
    return;
  }
  await app.register(fastifyStatic, {
    root: directory,
    // Only the files of the build get routes: any other path is the API's JSON 404.
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders(response, path) {
      response.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      response.setHeader('x-content-type-options', 'nosniff');
      response.setHeader('referrer-policy', 'no-referrer');
      if (path.endsWith('.html')) {
        response.setHeader('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'");
      }
    },
  });
}
