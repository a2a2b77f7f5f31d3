/**
 * Built-in `http` job type: sends a request and succeeds on a 2xx answer. The payload names
 * the request; the response status and a short excerpt of the body are kept.
 */
import { z } from 'zod';
import { defineJob } from '../../define.js';

const payloadSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('POST'),
  headers: z.record(z.string(), z.string()).default({}),
  /** JSON body; absent for GET and HEAD. */
  body: z.unknown().optional(),
});

const EXCERPT_LENGTH = 2000;

export const httpJob = defineJob({
  name: 'http',
  description: 'HTTP request to a URL; a 2xx answer completes the run',
  payload: payloadSchema,
  async run(ctx) {
    const { url, method, headers, body } = ctx.payload;
    const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
    const started = performance.now();
    const response = await fetch(url, {
      method,
      headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), 'x-hourglass-run-id': ctx.runId, ...headers },
      body: hasBody ? JSON.stringify(body) : undefined,
      signal: ctx.signal,
    });
    const text = method === 'HEAD' ? '' : await response.text();
    ctx.metrics.set('status', response.status);
    ctx.metrics.set('response_ms', Math.round(performance.now() - started));
    ctx.log.info(`${method} ${url} → ${response.status}`);
    if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 200)}`);
    return { status: response.status, body: text.slice(0, EXCERPT_LENGTH) };
  },
});
