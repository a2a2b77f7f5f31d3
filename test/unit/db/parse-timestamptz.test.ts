/**
 * The pool's `timestamptz` parser (src/db/pg.ts) must answer exactly what node-postgres's own
 * parser answers, for every shape PostgreSQL prints: the fast path, its fallbacks, and texts it
 * has read before. Its `uuid[]` parser likewise.
 */
import { describe, expect, test } from 'vitest';
import pg from 'pg';
import fc from 'fast-check';
import { parseTimestamptz, parseUuidArray } from '../../../src/db/pg.js';

const reference = pg.types.getTypeParser(1184, 'text') as (text: string) => Date | number;

const printed = [
  '2026-11-23 00:20:36.123456+00',
  '2026-11-23 00:20:36+00',
  '2026-11-23 00:20:36.999999+13:45',
  '2026-11-23 00:20:36.000001-09:30',
  '2026-03-29 02:30:00.5+02',
  '1970-01-01 00:00:00+00',
  // Offsets with seconds (local mean time in old dates), which V8 rejects.
  '1900-01-01 00:00:00+05:53:28',
  '1900-01-01 00:00:00-00:01:15',
  // Years V8 would read as 19xx, and the rest of the first millennium.
  '0050-01-01 00:00:00+00',
  '0001-03-01 10:00:00+00',
  '0999-12-31 23:59:59.5+00',
  '10000-01-01 00:00:00+00',
  '0001-01-01 00:00:00+00 BC',
  'infinity',
  '-infinity',
];

describe('parseTimestamptz', () => {
  test.each(printed)('%s', (text) => {
    const expected = reference(text);
    const actual = parseTimestamptz(text);
    if (typeof expected === 'number') expect(actual).toBe(expected);
    else expect((actual as Date).getTime()).toBe(expected.getTime());
  });

  test('any instant from year 1 to 9999 at any whole-minute offset, with microseconds', () => {
    const instant = fc.integer({ min: Date.UTC(1, 0, 1) + 86_400_000, max: Date.UTC(9999, 11, 30) });
    const offsetMinutes = fc.integer({ min: -15 * 60, max: 15 * 60 });
    fc.assert(
      fc.property(instant, offsetMinutes, fc.integer({ min: 0, max: 999 }), (ms, offset, micros) => {
        const local = new Date(ms + offset * 60_000).toISOString(); // the wall clock at that offset
        const sign = offset < 0 ? '-' : '+';
        const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
        const minutes = Math.abs(offset) % 60;
        const zone = `${sign}${hours}${minutes ? `:${String(minutes).padStart(2, '0')}` : ''}`;
        const text = `${local.slice(0, 10)} ${local.slice(11, 23)}${String(micros).padStart(3, '0')}${zone}`;
        expect(parseTimestamptz(text).getTime()).toBe((reference(text) as Date).getTime());
      }),
      { numRuns: 2000 },
    );
  });

  test('a text read again answers the same instant as a new Date each time', () => {
    const texts = [...printed, ...printed.slice().reverse(), ...printed];
    const answers = texts.map((text) => parseTimestamptz(text));
    texts.forEach((text, index) => {
      const expected = reference(text);
      if (typeof expected === 'number') expect(answers[index]).toBe(expected);
      else expect((answers[index] as Date).getTime()).toBe(expected.getTime());
    });
    const first = parseTimestamptz('2026-11-23 00:20:36.123456+00');
    first.setTime(0); // a caller changing its Date changes no later answer
    const again = parseTimestamptz('2026-11-23 00:20:36.123456+00');
    expect(again).not.toBe(first);
    expect(again.getTime()).toBe(Date.UTC(2026, 10, 23, 0, 20, 36, 123));
  });
});

describe('parseUuidArray', () => {
  const referenceArray = pg.types.getTypeParser(2951 as Parameters<typeof pg.types.getTypeParser>[0], 'text') as (text: string) => string[];
  test.each(['{}', '{0195a1b2-0000-7000-8000-000000000001}', '{0195a1b2-0000-7000-8000-000000000001,0195a1b2-0000-7000-8000-000000000002}', '{NULL}'])('%s', (text) => {
    expect(parseUuidArray(text)).toEqual(referenceArray(text));
  });
  test('an empty array is a new array each time', () => {
    const first = parseUuidArray('{}');
    first.push('x');
    expect(parseUuidArray('{}')).toEqual([]);
  });
});
