import { describe, expect, test, vi } from 'vitest';
import { isUuid, newId } from '../../../src/util/ids.js';

/** The Unix milliseconds in a version 7 UUID's first 48 bits. */
const timeOf = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

describe('newId', () => {
  test('is a version 7 UUID of the RFC 9562 variant, stamped with the current millisecond', () => {
    const before = Date.now();
    const id = newId();
    const after = Date.now();
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
    expect(timeOf(id)).toBeGreaterThanOrEqual(before);
    expect(timeOf(id)).toBeLessThanOrEqual(after);
  });

  test('ids of later milliseconds sort after earlier ones, and ids within one millisecond differ', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-11-23T03:00:00.000Z'));
      const first = Array.from({ length: 1000 }, newId);
      vi.setSystemTime(new Date('2026-11-23T03:00:00.001Z'));
      const second = Array.from({ length: 1000 }, newId);
      expect(new Set([...first, ...second]).size).toBe(2000);
      expect(timeOf(first[0]!)).toBe(Date.parse('2026-11-23T03:00:00.000Z'));
      for (const later of second) expect(later > first.reduce((a, b) => (a > b ? a : b))).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
