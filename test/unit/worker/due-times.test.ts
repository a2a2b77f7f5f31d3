import { describe, expect, test } from 'vitest';
import { DueTimes, MAX_DUE_TIMES } from '../../../src/worker/due-times.js';

const POLL_MS = 1000;

describe('the instants an idle worker wakes at', () => {
  test('it sleeps until the earliest instant it knows of, at most its poll interval', () => {
    const due = new DueTimes();
    expect(due.idleMs(0, POLL_MS)).toBe(POLL_MS);
    due.add(5000);
    expect(due.idleMs(0, POLL_MS)).toBe(POLL_MS);
    due.add(300);
    expect(due.idleMs(0, POLL_MS)).toBe(300);
    expect(due.idleMs(400, POLL_MS)).toBe(0);
  });

  test('adding says whether the instant is now the earliest; a known instant is kept once', () => {
    const due = new DueTimes();
    expect(due.add(200)).toBe(true);
    expect(due.add(300)).toBe(false);
    expect(due.add(100)).toBe(true);
    expect(due.add(100)).toBe(false);
    expect(due.size).toBe(3);
  });

  test('an instant that is not a number (a garbled payload) is ignored', () => {
    const due = new DueTimes();
    expect(due.add(Number('soon'))).toBe(false);
    expect(due.add(Infinity)).toBe(false);
    expect(due.size).toBe(0);
    expect(due.idleMs(0, POLL_MS)).toBe(POLL_MS);
  });

  test('a claim covers the instants up to when it started, and the next one remains', () => {
    const due = new DueTimes();
    for (const at of [300, 100, 200]) due.add(at);
    due.coveredUpTo(200);
    expect(due.size).toBe(1);
    expect(due.idleMs(250, POLL_MS)).toBe(50);
    due.coveredUpTo(300);
    expect(due.idleMs(300, POLL_MS)).toBe(POLL_MS);
  });

  test(`it keeps the earliest ${MAX_DUE_TIMES} instants; a later one is left to the poll`, () => {
    const due = new DueTimes();
    for (let at = 1; at <= MAX_DUE_TIMES; at++) due.add(at * 10);
    expect(due.add(MAX_DUE_TIMES * 10 + 10)).toBe(false);
    expect(due.size).toBe(MAX_DUE_TIMES);
    // An earlier one pushes out the latest: the last kept is the one before it.
    expect(due.add(5)).toBe(true);
    expect(due.size).toBe(MAX_DUE_TIMES);
    due.coveredUpTo(MAX_DUE_TIMES * 10 - 20);
    expect(due.size).toBe(1);
    expect(due.idleMs(MAX_DUE_TIMES * 10 - 20, POLL_MS)).toBe(10);
  });
});
