import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { thrown } from '../../helpers/errors.js';
import { formatDurationMs, parseDurationMs, parseDurationSeconds } from '../../../src/time/duration.js';

describe('parseDurationMs', () => {
  it.each([
    [30, 30_000],
    [0, 0],
    [1.5, 1500],
    ['90', 90_000],
    ['2.5', 2500],
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['1m 30s 250ms', 90_250],
    [' 15M ', 900_000],
  ])('reads %j as %d ms', (value, ms) => {
    expect(parseDurationMs(value)).toBe(ms);
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY], [''], ['  '], ['abc'], ['-5m'], ['5 minutes'], ['1h30'], ['h'], ['10x'], ['1e3']])(
    'rejects %j as validation_error',
    (value) => {
      const error = thrown(() => parseDurationMs(value, 'timeout'));
      expect(error.code).toBe(ErrorCode.validationError);
      expect(error.field).toBe('timeout');
      expect(error.message).toMatch(/^timeout: expected seconds as a number, or a duration such as "500ms"/);
    },
  );

  it('rejects values that are not strings or numbers', () => {
    expect(thrown(() => parseDurationMs(null as unknown as string)).code).toBe(ErrorCode.validationError);
    expect(thrown(() => parseDurationMs({} as unknown as string)).code).toBe(ErrorCode.validationError);
  });

  it('rejects durations beyond the safe integer range', () => {
    expect(thrown(() => parseDurationMs('99999999999999999w')).code).toBe(ErrorCode.validationError);
  });
});

describe('parseDurationSeconds', () => {
  it.each([
    [30, 30],
    ['15m', 900],
    ['1d', 86_400],
    ['1h30m', 5400],
  ])('reads %j as %d seconds', (value, seconds) => {
    expect(parseDurationSeconds(value)).toBe(seconds);
  });

  it('refuses a fraction of a second rather than rounding it', () => {
    const error = thrown(() => parseDurationSeconds('1500ms', 'catch_up_window'));
    expect(error.code).toBe(ErrorCode.validationError);
    expect(error.field).toBe('catch_up_window');
    expect(error.message).toMatch(/whole number of seconds/);
  });
});

describe('formatDurationMs', () => {
  it.each([
    [0, '0 ms'],
    [250, '250 ms'],
    [999.7, '1 s'],
    [12_300, '12.3 s'],
    [30_000, '30 s'],
    [59_990, '1m'],
    [90_000, '1m 30s'],
    [3_600_000, '1h'],
    [5_400_000, '1h 30m'],
    [90_061_000, '1d 1h 1m'],
    [-1500, '-1.5 s'],
  ])('formats %d ms as %j', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });

  it('round-trips whole minutes and hours through parseDurationMs', () => {
    for (const ms of [60_000, 90_000, 5_400_000, 86_400_000 + 3_600_000]) {
      expect(parseDurationMs(formatDurationMs(ms))).toBe(ms);
    }
  });
});
