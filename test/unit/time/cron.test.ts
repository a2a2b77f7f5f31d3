import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { thrown } from '../../helpers/errors.js';
import {
  DstGap,
  DstOverlap,
  cronSlotsBetween,
  describeCron,
  isIntervalExpression,
  matchesCron,
  nextCronSlots,
  validateCron,
  type CronSpec,
} from '../../../src/time/cron.js';

function spec(expression: string, timezone = 'UTC'): CronSpec {
  return { expression, timezone, dstGap: DstGap.shift, dstOverlap: DstOverlap.first };
}

function next(expression: string, after: string, count: number, timezone = 'UTC'): string[] {
  return nextCronSlots(spec(expression, timezone), new Date(after), count).map((slot) => slot.toISOString());
}

describe('validateCron', () => {
  it.each([
    '0 2 * * *',
    '*/15 * * * *',
    '30 0 2 * * *',
    '*/30 * * * * *',
    '0 9 * JAN,JUL MON-FRI',
    '0 9 * jan mon',
    '0 0 1-15/2 * *',
    '0 8-18 * * 1-5',
    '0 0 L * *',
    '0 0 LW * *',
    '0 0 15W * *',
    '0 0 * * 1#2',
    '0 0 * * 5L',
    '0 0 * * FRI#L',
    '0 0 ? * MON',
    '@yearly',
    '@annually',
    '@monthly',
    '@weekly',
    '@daily',
    '@midnight',
    '@hourly',
    '@Daily',
    '0 0 29 2 *',
    '0 0 29 2 1',
  ])('accepts %j', (expression) => {
    expect(validateCron(expression)).toBe(expression);
  });

  it('returns the expression trimmed', () => {
    expect(validateCron('  0 2 * * *\n')).toBe('0 2 * * *');
  });

  it.each([
    ['0 0 0 1 1 * 2027', /7 fields: the year field is not supported/],
    ['* * * * * * *', /year field/],
    ['', /empty/],
    ['   ', /empty/],
    ['@reboot', /@reboot is not supported/],
    ['@fortnightly', /unknown cron nickname/],
    ['* * * *', /4 field\(s\)/],
    ['garbage', /1 field\(s\)/],
    ['61 * * * *', /Invalid value for minute: 61/],
    ['0 24 * * *', /hour/],
    ['0 0 32 * *', /day/],
    ['0 0 * 13 *', /month/],
    ['0 0 * * 8', /dayOfWeek/],
    ['0 0 * FOO *', /invalid cron expression/],
    ['*/0 * * * *', /stepping/],
    ['5/5 * * * *', /stepping/],
    ['0 12 1 * +MON', /"\+" day-of-week modifier is not supported/],
    ['0 0 31 2 *', /never matches/],
    ['0 0 30 2 *', /never matches/],
    ['0 0 31 4,6,9,11 *', /never matches/],
  ])('rejects %j as invalid_cron', (expression, message) => {
    const error = thrown(() => validateCron(expression));
    expect(error.code).toBe(ErrorCode.invalidCron);
    expect(error.field).toBe('cron_expression');
    expect(error.message).toMatch(message);
  });

  it.each([[undefined], [null], [42], [{}], [['0 2 * * *']]])('rejects the non-string %j', (value) => {
    const error = thrown(() => validateCron(value, 'schedule.cron'));
    expect(error.code).toBe(ErrorCode.invalidCron);
    expect(error.field).toBe('schedule.cron');
    expect(error.message).toMatch(/expected a cron expression string/);
  });
});

describe('describeCron', () => {
  it.each([
    ['0 2 * * *', 'At 02:00 AM'],
    ['@daily', 'At 12:00 AM'],
    ['@hourly', 'Every hour'],
    ['@weekly', 'At 12:00 AM, only on Sunday'],
    ['*/30 * * * * *', 'Every 30 seconds'],
    ['0 0 * * 1#2', 'At 12:00 AM, on the second Monday of the month'],
    ['0 0 * * 5#L', 'At 12:00 AM, on the last Friday of the month'],
    ['0 0 L * *', 'At 12:00 AM, on the last day of the month'],
  ])('describes %j as %j', (expression, words) => {
    expect(describeCron(expression)).toBe(words);
  });

  it('refuses an invalid expression instead of describing it', () => {
    expect(thrown(() => describeCron('0 0 0 1 1 * 2027')).code).toBe(ErrorCode.invalidCron);
  });
});

describe('isIntervalExpression', () => {
  it.each([
    ['*/15 * * * *', true],
    ['* 2 * * *', true],
    ['0 * * * *', true],
    ['0 */2 * * *', true],
    ['0 0-23/2 * * *', true],
    ['*/30 * * * * *', true],
    ['* 30 2 * * *', true],
    ['0 ? 2 * * *', true],
    ['@hourly', true],
    ['30 2 * * *', false],
    ['0 2,14 * * *', false],
    ['0-30 2 * * *', false],
    ['0 30 2 * * *', false],
    ['0 0 */2 * *', false],
    ['@daily', false],
    ['@weekly', false],
  ])('classifies %j as interval: %s', (expression, interval) => {
    expect(isIntervalExpression(expression)).toBe(interval);
  });
});

describe('nextCronSlots outside DST transitions', () => {
  it.each([
    ['0 2 * * *', '2026-01-01T00:00:00Z', ['2026-01-01T02:00:00.000Z', '2026-01-02T02:00:00.000Z']],
    ['*/20 * * * * *', '2026-01-01T00:00:00Z', ['2026-01-01T00:00:20.000Z', '2026-01-01T00:00:40.000Z', '2026-01-01T00:01:00.000Z']],
    ['0 9 * JAN,JUL MON', '2026-01-01T00:00:00Z', ['2026-01-05T09:00:00.000Z', '2026-01-12T09:00:00.000Z']],
    ['0 9 * * MON-FRI', '2026-01-02T10:00:00Z', ['2026-01-05T09:00:00.000Z', '2026-01-06T09:00:00.000Z']],
    ['0 0 * * 7', '2026-01-01T00:00:00Z', ['2026-01-04T00:00:00.000Z', '2026-01-11T00:00:00.000Z']],
    ['@yearly', '2026-03-01T00:00:00Z', ['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']],
    ['@monthly', '2026-01-01T00:00:00Z', ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']],
    ['@weekly', '2026-01-01T00:00:00Z', ['2026-01-04T00:00:00.000Z', '2026-01-11T00:00:00.000Z']],
    ['@midnight', '2026-01-01T00:00:00Z', ['2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z']],
    ['@hourly', '2026-01-01T00:30:00Z', ['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z']],
    ['0 0 L * *', '2026-01-15T00:00:00Z', ['2026-01-31T00:00:00.000Z', '2026-02-28T00:00:00.000Z', '2026-03-31T00:00:00.000Z']],
    ['0 0 LW * *', '2026-01-01T00:00:00Z', ['2026-01-30T00:00:00.000Z', '2026-02-27T00:00:00.000Z', '2026-03-31T00:00:00.000Z']],
    ['0 0 15W * *', '2026-01-20T00:00:00Z', ['2026-02-16T00:00:00.000Z', '2026-03-16T00:00:00.000Z', '2026-04-15T00:00:00.000Z']],
    ['0 0 15W * *', '2026-08-01T00:00:00Z', ['2026-08-14T00:00:00.000Z']],
    ['0 0 * * 1#2', '2026-01-01T00:00:00Z', ['2026-01-12T00:00:00.000Z', '2026-02-09T00:00:00.000Z', '2026-03-09T00:00:00.000Z']],
    ['0 0 * * 5L', '2026-01-01T00:00:00Z', ['2026-01-30T00:00:00.000Z', '2026-02-27T00:00:00.000Z']],
    ['0 0 * * FRI#L', '2026-01-01T00:00:00Z', ['2026-01-30T00:00:00.000Z', '2026-02-27T00:00:00.000Z']],
  ])('%j after %s fires at %j', (expression, after, expected) => {
    expect(next(expression, after, expected.length)).toEqual(expected);
  });

  it('fires on the 13th and on Fridays when both day fields are restricted (either matches)', () => {
    expect(next('0 0 13 * 5', '2026-04-01T00:00:00Z', 5)).toEqual([
      '2026-04-03T00:00:00.000Z',
      '2026-04-10T00:00:00.000Z',
      '2026-04-13T00:00:00.000Z',
      '2026-04-17T00:00:00.000Z',
      '2026-04-24T00:00:00.000Z',
    ]);
  });

  it('reads the expression on the wall clock of the zone', () => {
    expect(next('0 9 * * *', '2026-01-01T00:00:00Z', 1, 'Asia/Kathmandu')).toEqual(['2026-01-01T03:15:00.000Z']);
    expect(next('0 9 * * *', '2026-07-01T00:00:00Z', 1, 'Europe/London')).toEqual(['2026-07-01T08:00:00.000Z']);
  });

  it('returns slots strictly after the given instant, even one that matches exactly', () => {
    expect(next('0 2 * * *', '2026-01-01T02:00:00Z', 1)).toEqual(['2026-01-02T02:00:00.000Z']);
    expect(next('0 2 * * *', '2026-01-01T01:59:59.999Z', 1)).toEqual(['2026-01-01T02:00:00.000Z']);
  });

  it('returns nothing, quickly, for an expression that never matches', () => {
    const started = performance.now();
    for (let i = 0; i < 50; i++) {
      expect(next('0 0 30 2 *', '2026-01-01T00:00:00Z', 3, 'America/New_York')).toEqual([]);
    }
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('finds a leap day years ahead', () => {
    expect(next('0 0 29 2 *', '2026-03-01T00:00:00Z', 2)).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
  });

  it('returns an empty list for a count of zero', () => {
    expect(next('* * * * *', '2026-01-01T00:00:00Z', 0)).toEqual([]);
  });

  it('rejects an empty or unknown time zone as invalid_timezone', () => {
    for (const timezone of ['', 'Mars/Base', '+05:00']) {
      const error = thrown(() => next('0 2 * * *', '2026-01-01T00:00:00Z', 1, timezone));
      expect(error.code).toBe(ErrorCode.invalidTimezone);
    }
  });

  it('rejects an invalid expression as invalid_cron', () => {
    expect(thrown(() => next('@reboot', '2026-01-01T00:00:00Z', 1)).code).toBe(ErrorCode.invalidCron);
  });

  it('rejects a negative or fractional count', () => {
    expect(thrown(() => next('* * * * *', '2026-01-01T00:00:00Z', -1)).code).toBe(ErrorCode.validationError);
    expect(thrown(() => next('* * * * *', '2026-01-01T00:00:00Z', 1.5)).code).toBe(ErrorCode.validationError);
  });

  it('keeps up with the scheduler: thousands of evaluations per second', () => {
    const started = performance.now();
    let after = new Date('2026-01-01T00:00:00Z');
    for (let i = 0; i < 2000; i++) {
      after = nextCronSlots(spec('*/5 * * * *', 'Europe/London'), after, 1)[0]!;
    }
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('cronSlotsBetween', () => {
  const from = new Date('2026-01-01T00:00:00Z');
  const iso = (slots: Date[]) => slots.map((slot) => slot.toISOString());

  it('returns the slots after from and up to and including to, and the slot after them', () => {
    const { slots, next } = cronSlotsBetween(spec('0 * * * *'), from, new Date('2026-01-01T03:00:00Z'), 100);
    expect(iso(slots)).toEqual(['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z', '2026-01-01T03:00:00.000Z']);
    expect(next?.toISOString()).toBe('2026-01-01T04:00:00.000Z');
  });

  it('returns at most limit slots, the earliest ones, and the slot after the last of them', () => {
    const { slots, next } = cronSlotsBetween(spec('* * * * *'), from, new Date('2026-01-02T00:00:00Z'), 2);
    expect(iso(slots)).toEqual(['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']);
    expect(next?.toISOString()).toBe('2026-01-01T00:03:00.000Z');
  });

  it('returns no slots for an empty or inverted range, and the slot after from', () => {
    expect(cronSlotsBetween(spec('* * * * *'), from, from, 10)).toEqual({ slots: [], next: new Date('2026-01-01T00:01:00Z') });
    expect(cronSlotsBetween(spec('* * * * *'), from, new Date('2025-12-31T00:00:00Z'), 10).slots).toEqual([]);
  });

  it('returns the next slot when it lies far beyond to', () => {
    expect(cronSlotsBetween(spec('0 0 29 2 *'), from, new Date('2026-06-01T00:00:00Z'), 10)).toEqual({ slots: [], next: new Date('2028-02-29T00:00:00Z') });
  });

  it('returns a shifted spring-forward slot as the next one', () => {
    const { slots, next } = cronSlotsBetween(spec('30 2 * * *', 'America/New_York'), new Date('2026-03-07T00:00:00Z'), new Date('2026-03-08T06:00:00Z'), 10);
    expect(iso(slots)).toEqual(['2026-03-07T07:30:00.000Z']);
    expect(next?.toISOString()).toBe('2026-03-08T07:00:00.000Z');
  });
});

describe('matchesCron', () => {
  it.each([
    ['* 0-6 * * SAT,SUN', 'UTC', '2026-01-03T05:59:59Z', true],
    ['* 0-6 * * SAT,SUN', 'UTC', '2026-01-03T07:00:00Z', false],
    ['* 0-6 * * SAT,SUN', 'America/New_York', '2026-01-03T10:30:00Z', true],
    ['* 0-6 * * SAT,SUN', 'America/New_York', '2026-01-03T04:30:00Z', false],
    ['30 2 * * *', 'UTC', '2026-01-03T02:30:45Z', true],
    ['30 2 * * *', 'UTC', '2026-01-03T02:31:00Z', false],
    ['15 30 2 * * *', 'UTC', '2026-01-03T02:30:15Z', true],
    ['15 30 2 * * *', 'UTC', '2026-01-03T02:30:16Z', false],
  ])('%j in %s at %s: %s', (expression, zone, instant, expected) => {
    expect(matchesCron(expression, zone, new Date(instant))).toBe(expected);
  });
});
