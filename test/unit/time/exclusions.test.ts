import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors.js';
import { thrown } from '../../helpers/errors.js';
import { isExcluded, validateExclusions, type Exclusion } from '../../../src/time/exclusions.js';

describe('validateExclusions', () => {
  it('treats a missing value as no blackout windows', () => {
    expect(validateExclusions(undefined)).toEqual([]);
    expect(validateExclusions(null)).toEqual([]);
  });

  it('returns normalised windows with only known keys', () => {
    const windows = validateExclusions([
      { cron: '  * 0-6 * * SAT,SUN ', reason: 'weekend nights' },
      { cron: '0 12 * * *', timezone: 'utc' },
      { from: '2026-12-24', until: '2026-12-26', reason: 'holidays' },
      { from: '2026-06-01T10:00:00Z', until: '2026-06-01T14:00:00+02:00' },
    ]);
    expect(windows).toEqual([
      { cron: '* 0-6 * * SAT,SUN', reason: 'weekend nights' },
      { cron: '0 12 * * *', timezone: 'UTC' },
      { from: '2026-12-24', until: '2026-12-26', reason: 'holidays' },
      { from: '2026-06-01T10:00:00Z', until: '2026-06-01T14:00:00+02:00' },
    ]);
  });

  it.each([
    ['a non-array', { cron: '* * * * *' }, 'exclusions', /expected an array of blackout windows/],
    ['a non-object item', ['weekends'], 'exclusions[0]', /expected an object with "cron" or "from" and "until"/],
    ['an empty item', [{}], 'exclusions[0]', /expected "cron" or "from" and "until"/],
    ['both kinds at once', [{ cron: '* * * * *', from: '2026-01-01', until: '2026-01-02' }], 'exclusions[0]', /not both/],
    ['an unknown key', [{ from: '2026-01-01', util: '2026-01-02' }], 'exclusions[0]', /unknown key "util"/],
    ['a missing until', [{ from: '2026-01-01' }], 'exclusions[0].until', /expected a date such as "2026-12-24"/],
    ['a word for a date', [{ from: 'yesterday', until: '2026-01-02' }], 'exclusions[0].from', /got "yesterday"/],
    ['an impossible date', [{ from: '2026-02-30', until: '2026-03-02' }], 'exclusions[0].from', /expected a date/],
    ['a local time without offset', [{ from: '2026-01-01T10:00', until: '2026-01-02' }], 'exclusions[0].from', /with offset/],
    ['an empty date range', [{ from: '2026-01-02', until: '2026-01-01' }], 'exclusions[0].until', /window is empty/],
    ['an empty instant range', [{ from: '2026-01-01T12:00:00Z', until: '2026-01-01T12:00:00Z' }], 'exclusions[0].until', /window is empty/],
    ['a non-text reason', [{ cron: '* * * * *', reason: 42 }], 'exclusions[0].reason', /expected a text/],
  ])('rejects %s as validation_error naming the field', (_label, value, field, message) => {
    const error = thrown(() => validateExclusions(value));
    expect(error.code).toBe(ErrorCode.validationError);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('rejects an invalid cron as invalid_cron naming its index', () => {
    const error = thrown(() => validateExclusions([{ cron: '* * * * *' }, { cron: '* * * * * * 2026' }]));
    expect(error.code).toBe(ErrorCode.invalidCron);
    expect(error.field).toBe('exclusions[1].cron');
  });

  it('rejects an unknown zone as invalid_timezone naming its index', () => {
    const error = thrown(() => validateExclusions([{ cron: '* * * * *', timezone: 'Mars/Base' }], 'schedule.exclusions'));
    expect(error.code).toBe(ErrorCode.invalidTimezone);
    expect(error.field).toBe('schedule.exclusions[0].timezone');
  });

  it('rejects more than 100 windows', () => {
    const many = Array.from({ length: 101 }, () => ({ cron: '* * * * *' }));
    expect(thrown(() => validateExclusions(many)).message).toMatch(/at most 100 windows/);
  });
});

describe('isExcluded with cron windows', () => {
  const weekendNights: Exclusion = { cron: '* 0-6 * * SAT,SUN', reason: 'weekend nights' };

  it('suppresses a slot whose wall-clock minute matches, in the schedule zone', () => {
    // 05:30 EST on Saturday.
    expect(isExcluded(new Date('2026-01-03T10:30:00Z'), [weekendNights], 'America/New_York')).toBe(weekendNights);
  });

  it('lets a slot outside the window fire', () => {
    // 07:00 EST on Saturday; 05:30 EST on Friday.
    expect(isExcluded(new Date('2026-01-03T12:00:00Z'), [weekendNights], 'America/New_York')).toBeNull();
    expect(isExcluded(new Date('2026-01-02T10:30:00Z'), [weekendNights], 'America/New_York')).toBeNull();
  });

  it('reads the cron in its own zone when it has one', () => {
    const londonNights: Exclusion = { cron: '* 0-6 * * *', timezone: 'Europe/London' };
    // 03:00 in London is 22:00 the day before in New York.
    expect(isExcluded(new Date('2026-01-05T03:00:00Z'), [londonNights], 'America/New_York')).toBe(londonNights);
    expect(isExcluded(new Date('2026-01-05T12:00:00Z'), [londonNights], 'America/New_York')).toBeNull();
  });

  it('returns the first window that matches', () => {
    const first: Exclusion = { cron: '* * * * *', reason: 'always' };
    expect(isExcluded(new Date('2026-01-03T10:30:00Z'), [weekendNights, first], 'America/New_York')).toBe(weekendNights);
    expect(isExcluded(new Date('2026-01-01T10:30:00Z'), [], 'UTC')).toBeNull();
  });
});

describe('isExcluded with periods', () => {
  const holidays: Exclusion = { from: '2026-12-24', until: '2026-12-26' };

  it.each([
    ['2026-12-24T04:59:59Z', null],
    ['2026-12-24T05:00:00Z', holidays],
    ['2026-12-27T04:59:59Z', holidays],
    ['2026-12-27T05:00:00Z', null],
  ])('covers whole days in the schedule zone, the until day included: %s', (slot, expected) => {
    expect(isExcluded(new Date(slot), [holidays], 'America/New_York')).toBe(expected);
  });

  it('treats an instant until as exclusive', () => {
    const freeze: Exclusion = { from: '2026-06-01T10:00:00Z', until: '2026-06-01T12:00:00Z' };
    expect(isExcluded(new Date('2026-06-01T09:59:59Z'), [freeze], 'UTC')).toBeNull();
    expect(isExcluded(new Date('2026-06-01T10:00:00Z'), [freeze], 'UTC')).toBe(freeze);
    expect(isExcluded(new Date('2026-06-01T11:59:59Z'), [freeze], 'UTC')).toBe(freeze);
    expect(isExcluded(new Date('2026-06-01T12:00:00Z'), [freeze], 'UTC')).toBeNull();
  });

  it('mixes a date start with an instant end', () => {
    const window: Exclusion = { from: '2026-06-01', until: '2026-06-01T12:00:00Z' };
    expect(isExcluded(new Date('2026-05-31T23:00:00Z'), [window], 'Europe/London')).toBe(window);
    expect(isExcluded(new Date('2026-05-31T22:59:59Z'), [window], 'Europe/London')).toBeNull();
  });

  it('starts a day whose midnight is skipped at the first instant after the jump', () => {
    // Santiago skips 00:00–01:00 on 2026-09-06; the day starts at 01:00 -03.
    const window: Exclusion = { from: '2026-09-06', until: '2026-09-06' };
    expect(isExcluded(new Date('2026-09-06T03:59:59Z'), [window], 'America/Santiago')).toBeNull();
    expect(isExcluded(new Date('2026-09-06T04:00:00Z'), [window], 'America/Santiago')).toBe(window);
  });

  it('covers the longer day of a fall back whole', () => {
    // London's 2026-10-25 lasts 25 hours: 2026-10-24T23:00Z to 2026-10-26T00:00Z.
    const window: Exclusion = { from: '2026-10-25', until: '2026-10-25' };
    expect(isExcluded(new Date('2026-10-24T23:00:00Z'), [window], 'Europe/London')).toBe(window);
    expect(isExcluded(new Date('2026-10-25T23:59:59Z'), [window], 'Europe/London')).toBe(window);
    expect(isExcluded(new Date('2026-10-26T00:00:00Z'), [window], 'Europe/London')).toBeNull();
  });
});
