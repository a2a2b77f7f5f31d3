import { describe, expect, test } from 'vitest';
import { ClaimWake } from '../../../src/worker/claim-wake.js';
import { createTestClock } from '../../helpers/clock.js';

/** Long enough that no wait here ends by its time running out. */
const POLL_MS = 600_000;

/** An idle sleep, and whether it has ended. */
function sleepIdle(wake: ClaimWake, running = () => true) {
  const sleep = { ended: false, done: Promise.resolve() };
  sleep.done = wake.idle(running).then(() => void (sleep.ended = true));
  return sleep;
}

/** Lets every pending wake and promise settle. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Checks that an idle sleep lasts (a recheck first, when asked), then ends it by asking for a claim. */
async function expectSleepUntilAsked(wake: ClaimWake, { recheck = false } = {}) {
  const sleep = sleepIdle(wake);
  if (recheck) wake.recheck();
  await settle();
  expect(sleep.ended).toBe(false);
  wake.askClaim();
  await sleep.done;
}

describe('when an idle claim loop claims', () => {
  test('a claim asked for ends the sleep; a recheck does not', async () => {
    const wake = new ClaimWake(createTestClock('2026-06-01T10:00:00Z'), POLL_MS);
    await expectSleepUntilAsked(wake, { recheck: true });
  });

  test('a claim asked for while one runs is answered by the next claim, not by that one', async () => {
    const wake = new ClaimWake(createTestClock('2026-06-01T10:00:00Z'), POLL_MS);
    await wake.claiming(async () => wake.askClaim());
    await sleepIdle(wake).done;
    wake.askClaim();
    await wake.claiming(async () => []);
    await expectSleepUntilAsked(wake);
  });

  test('a new earliest due instant shortens the sleep to it; one the claim covered does not', async () => {
    const clock = createTestClock('2026-06-01T10:00:00Z');
    const wake = new ClaimWake(clock, POLL_MS);
    const due = clock.now().getTime() + 20;
    const sleep = sleepIdle(wake);
    wake.dueAt(due);
    await sleep.done;
    // The claim that starts past the instant covers it: the next sleep is the full poll.
    clock.set(new Date(due + 1));
    await wake.claiming(async () => []);
    await expectSleepUntilAsked(wake);
  });

  test('a sleep ends once the loop stops running', async () => {
    const wake = new ClaimWake(createTestClock('2026-06-01T10:00:00Z'), POLL_MS);
    let running = true;
    const sleep = sleepIdle(wake, () => running);
    running = false;
    wake.recheck();
    await sleep.done;
  });
});
