import { afterEach, describe, expect, it } from 'vitest';
import { defineJob } from '../../src/define.js';
import type { Hourglass } from '../../src/hourglass.js';
import { NonRetryableError } from '../../src/errors.js';
import { createTestHourglass, runJobOnce } from '../../src/testing.js';
import { currentBackend } from '../helpers/db.js';

const started: Hourglass[] = [];
afterEach(async () => {
  for (const hourglass of started.splice(0)) await hourglass.stop();
});

// The helpers always use in-memory PGlite: once is enough.
describe.runIf(currentBackend() === 'pglite')('hourglass/testing', () => {
  it('runs a job once on an in-memory database and returns the finished run', async () => {
    const greet = defineJob({ name: 'greet', run: async (ctx) => ({ hello: (ctx.payload as { who: string }).who }) });
    const refuse = defineJob({ name: 'refuse', run: async () => { throw new NonRetryableError('no'); } });
    const hourglass = await createTestHourglass({ jobs: [greet, refuse] });
    started.push(hourglass);
    const run = await runJobOnce(hourglass, 'greet', { who: 'world' });
    expect(run).toMatchObject({ status: 'completed', result: { hello: 'world' } });
    expect(await runJobOnce(hourglass, 'refuse')).toMatchObject({ status: 'failed', errorMessage: 'no' });
  });
});
