/**
 * Starting an example in-process, the way its README says it runs, but on an in-memory PGlite
 * with a quick worker, and firing its schedules by hand: `hourglass.schedules.trigger(key)`
 * (trigger `manual`) creates the same runs, with the same payload and tenant, as the slot would.
 */
import { afterAll, beforeAll } from 'vitest';
import type { HourglassConfigInput } from '../../src/config/schema.js';
import type { Hourglass, HourglassSeams } from '../../src/hourglass.js';
import type { JobRun } from '../../src/model.js';
import { createTestHourglass, waitForRun } from '../../src/testing.js';
import type { Clock } from '../../src/util/clock.js';

/**
 * The example's own config on an in-memory database (scheduler off, worker polling every
 * 20 ms), started once for the test file and stopped after it. The tests of a file share it,
 * in order, as a person trying the example would.
 */
export function useExample(config: HourglassConfigInput, seams: HourglassSeams = {}): () => Hourglass {
  let hourglass: Hourglass | null = null;
  beforeAll(async () => {
    hourglass = await createTestHourglass({ ...config, worker: { pollMs: 20, concurrency: 8, retryBaseMs: 10, retryMaxMs: 50 } }, seams);
  });
  afterAll(async () => {
    await hourglass?.stop();
  });
  return () => {
    if (!hourglass) throw new Error('the example has not started');
    return hourglass;
  };
}

/** Waits for every run of a firing, in the order they were planned. */
export async function waitForRuns(hourglass: Hourglass, runIds: readonly string[]): Promise<JobRun[]> {
  return Promise.all(runIds.map((id) => waitForRun(hourglass, id, { timeoutMs: 20_000 })));
}

/** Fires a schedule now (with an optional payload override) and waits until all its runs have finished. */
export async function triggerAndWait(hourglass: Hourglass, key: string, payload?: Record<string, unknown>): Promise<JobRun[]> {
  const firing = await hourglass.schedules.trigger(key, payload ? { payload } : {});
  return waitForRuns(hourglass, firing.runs.map((run) => run.id));
}

/** A clock seam that runs at real speed but `offsetMs` ahead, as the database clock sees it. */
export function createShiftedClock(): Clock & { jumpTo(instant: Date): void } {
  let offsetMs = 0;
  return {
    now: () => new Date(),
    databaseNow: () => new Date(Date.now() + offsetMs),
    jumpTo(instant) {
      offsetMs = instant.getTime() - Date.now();
    },
  };
}
