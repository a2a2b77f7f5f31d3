import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { thrown } from '../../helpers/errors.js';
import {
  assertTimezone,
  findOffsetSpan,
  formatInZone,
  isValidTimezone,
  nextInstantAfterGap,
  wallClockAt,
  wallClockToInstants,
  zoneOffsetMs,
  type WallClock,
} from '../../../src/time/zones.js';

const HOUR_MS = 3_600_000;

function wall(text: string): WallClock {
  const [date, time] = text.split(' ') as [string, string];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second = 0] = time.split(':').map(Number) as [number, number, number?];
  return { year, month, day, hour, minute, second };
}

describe('isValidTimezone and assertTimezone', () => {
  it.each(['UTC', 'Etc/UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Etc/GMT+5'])(
    'accepts the IANA name %j',
    (name) => {
      expect(isValidTimezone(name)).toBe(true);
      expect(assertTimezone(name)).toBe(name);
    },
  );

  it.each(['', ' ', '+05:00', '-0800', 'UTC+2', 'GMT-5', 'Z', 'Mars/Base', 'America/New York', 'local', ' UTC'])(
    'rejects %j',
    (name) => {
      expect(isValidTimezone(name)).toBe(false);
      expect(thrown(() => assertTimezone(name)).code).toBe(ErrorCode.invalidTimezone);
    },
  );

  it('says which zone is unknown and what is expected, naming the field', () => {
    const error = thrown(() => assertTimezone('Mars/Base', 'schedules[2].timezone'));
    expect(error.message).toBe('unknown time zone "Mars/Base": expected an IANA name such as "Europe/London"');
    expect(error.field).toBe('schedules[2].timezone');
    expect(error.status).toBe(400);
  });

  it.each([[undefined], [null], [0], [{}]])('rejects the non-string %j', (value) => {
    const error = thrown(() => assertTimezone(value));
    expect(error.code).toBe(ErrorCode.invalidTimezone);
    expect(error.field).toBe('timezone');
  });

  it('normalises the case of a canonical name', () => {
    expect(assertTimezone('utc')).toBe('UTC');
    expect(assertTimezone('america/new_york')).toBe('America/New_York');
  });
});

describe('zoneOffsetMs', () => {
  it.each([
    ['UTC', '2026-07-01T12:00:00Z', 0],
    ['America/New_York', '2026-01-15T12:00:00Z', -5 * HOUR_MS],
    ['America/New_York', '2026-07-15T12:00:00Z', -4 * HOUR_MS],
    ['America/New_York', '2026-03-08T06:59:59Z', -5 * HOUR_MS],
    ['America/New_York', '2026-03-08T07:00:00Z', -4 * HOUR_MS],
    ['Europe/London', '2026-07-15T12:00:00Z', 1 * HOUR_MS],
    ['Asia/Kathmandu', '2026-07-15T12:00:00Z', 5.75 * HOUR_MS],
    ['Australia/Lord_Howe', '2026-01-15T12:00:00Z', 11 * HOUR_MS],
    ['Australia/Lord_Howe', '2026-07-15T12:00:00Z', 10.5 * HOUR_MS],
  ])('%s at %s is %d ms', (zone, instant, offset) => {
    expect(zoneOffsetMs(zone, new Date(instant))).toBe(offset);
  });

  it('is fast enough for the scheduler hot path', () => {
    const started = performance.now();
    for (let i = 0; i < 20_000; i++) zoneOffsetMs('Europe/London', new Date(1.7e12 + i * 60_000));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('wallClockToInstants', () => {
  it('maps an ordinary wall time to one instant', () => {
    const instants = wallClockToInstants('America/New_York', wall('2026-07-04 09:00'));
    expect(instants.map((instant) => instant.toISOString())).toEqual(['2026-07-04T13:00:00.000Z']);
  });

  it.each([
    ['America/New_York', '2026-03-08 02:30'],
    ['Europe/London', '2026-03-29 01:00'],
    ['Australia/Lord_Howe', '2026-10-04 02:15'],
    ['America/Santiago', '2026-09-06 00:00'],
  ])('maps a wall time in the spring-forward gap of %s (%s) to no instant', (zone, text) => {
    expect(wallClockToInstants(zone, wall(text))).toEqual([]);
  });

  it.each([
    ['America/New_York', '2026-11-01 01:30', ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']],
    ['Europe/London', '2026-10-25 01:00', ['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z']],
    ['Australia/Lord_Howe', '2026-04-05 01:45', ['2026-04-04T14:45:00.000Z', '2026-04-04T15:15:00.000Z']],
  ])('maps a wall time repeated by the fall back of %s (%s) to both instants, earliest first', (zone, text, expected) => {
    expect(wallClockToInstants(zone, wall(text)).map((instant) => instant.toISOString())).toEqual(expected);
  });

  it('maps the end of the repeated hour to one instant', () => {
    const instants = wallClockToInstants('America/New_York', wall('2026-11-01 02:00'));
    expect(instants.map((instant) => instant.toISOString())).toEqual(['2026-11-01T07:00:00.000Z']);
  });

  it('refuses an impossible wall clock', () => {
    expect(thrown(() => wallClockToInstants('UTC', wall('2026-02-30 00:00'))).code).toBe(ErrorCode.validationError);
    expect(thrown(() => wallClockToInstants('UTC', wall('2026-01-01 24:00'))).code).toBe(ErrorCode.validationError);
  });

  it('round-trips with wallClockAt', () => {
    const instant = new Date('2026-10-03T15:45:00Z');
    expect(wallClockToInstants('Australia/Lord_Howe', wallClockAt('Australia/Lord_Howe', instant))).toEqual([instant]);
  });
});

describe('nextInstantAfterGap', () => {
  it.each([
    ['America/New_York', '2026-03-08 02:30', '2026-03-08T07:00:00.000Z'],
    ['America/New_York', '2026-03-08 02:00', '2026-03-08T07:00:00.000Z'],
    ['Europe/London', '2026-03-29 01:59:59', '2026-03-29T01:00:00.000Z'],
    ['Australia/Lord_Howe', '2026-10-04 02:15', '2026-10-03T15:30:00.000Z'],
    ['America/Santiago', '2026-09-06 00:00', '2026-09-06T04:00:00.000Z'],
  ])('gives the transition instant for a gap time in %s (%s)', (zone, text, expected) => {
    expect(nextInstantAfterGap(zone, wall(text))?.toISOString()).toBe(expected);
  });

  it('returns null for a wall time that exists', () => {
    expect(nextInstantAfterGap('America/New_York', wall('2026-03-08 03:00'))).toBeNull();
    expect(nextInstantAfterGap('America/New_York', wall('2026-11-01 01:30'))).toBeNull();
  });
});

describe('findOffsetSpan', () => {
  it('spans summer time in New York from transition to transition', () => {
    const span = findOffsetSpan('America/New_York', Date.parse('2026-06-01T00:00:00Z'));
    expect(span).toEqual({
      startMs: Date.parse('2026-03-08T07:00:00Z'),
      endMs: Date.parse('2026-11-01T06:00:00Z'),
      offsetMs: -4 * HOUR_MS,
      offsetBeforeMs: -5 * HOUR_MS,
      offsetAfterMs: -5 * HOUR_MS,
    });
  });

  it('starts a span exactly at a transition', () => {
    const span = findOffsetSpan('Australia/Lord_Howe', Date.parse('2026-04-04T15:00:00Z'));
    expect(span.startMs).toBe(Date.parse('2026-04-04T15:00:00Z'));
    expect(span.offsetMs).toBe(10.5 * HOUR_MS);
    expect(span.offsetBeforeMs).toBe(11 * HOUR_MS);
  });

  it('gives a zone without transitions spans whose boundaries change nothing', () => {
    const instantMs = Date.parse('2026-06-01T00:00:00Z');
    const span = findOffsetSpan('Asia/Kathmandu', instantMs);
    expect(span.startMs).toBeLessThanOrEqual(instantMs);
    expect(span.endMs).toBeGreaterThan(instantMs);
    expect([span.offsetBeforeMs, span.offsetMs, span.offsetAfterMs]).toEqual([5.75 * HOUR_MS, 5.75 * HOUR_MS, 5.75 * HOUR_MS]);
  });

  it('agrees with Intl on every transition of a year, found to the second', () => {
    let instantMs = Date.parse('2026-01-01T00:00:00Z');
    const transitions: string[] = [];
    while (instantMs < Date.parse('2027-01-01T00:00:00Z')) {
      const span = findOffsetSpan('Europe/London', instantMs);
      expect(zoneOffsetMs('Europe/London', new Date(span.endMs - 1000))).toBe(span.offsetMs);
      if (span.offsetAfterMs !== span.offsetMs) transitions.push(new Date(span.endMs).toISOString());
      instantMs = span.endMs;
    }
    expect(transitions.slice(0, 2)).toEqual(['2026-03-29T01:00:00.000Z', '2026-10-25T01:00:00.000Z']);
  });
});

describe('formatInZone', () => {
  it.each([
    ['2026-03-08T07:00:00Z', 'America/New_York', '2026-03-08 03:00:00 EDT'],
    ['2026-11-01T06:30:00Z', 'America/New_York', '2026-11-01 01:30:00 EST'],
    ['2026-01-01T12:00:00Z', 'UTC', '2026-01-01 12:00:00 UTC'],
    ['2026-07-01T12:00:00Z', 'Europe/London', '2026-07-01 13:00:00 +01:00'],
    ['2026-01-01T12:00:00Z', 'Asia/Kathmandu', '2026-01-01 17:45:00 +05:45'],
    ['2026-04-04T15:00:00Z', 'Australia/Lord_Howe', '2026-04-05 01:30:00 +10:30'],
  ])('formats %s in %s as %j', (instant, zone, text) => {
    expect(formatInZone(new Date(instant), zone)).toBe(text);
  });
});
