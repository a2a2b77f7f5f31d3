import { describe, expect, test } from 'vitest';
import { createWakeSignal } from '../../../src/util/wake-signal.js';

describe('wake signal', () => {
  test('a wait that runs out resolves false, and never before its time, precise or not', async () => {
    const signal = createWakeSignal();
    for (const precise of [false, true]) {
      const started = performance.now();
      expect(await signal.wait(15, { precise })).toBe(false);
      expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    }
  });

  test('a wake ends a wait at once and resolves true, also during the precise tail', async () => {
    const signal = createWakeSignal();
    const waiting = signal.wait(60_000);
    signal.wake();
    expect(await waiting).toBe(true);

    const precise = signal.wait(1, { precise: true });
    signal.wake();
    expect(await precise).toBe(true);
  });

  test('a wake while nobody waits is kept for the next wait', async () => {
    const signal = createWakeSignal();
    signal.wake();
    expect(await signal.wait(60_000, { precise: true })).toBe(true);
  });
});
