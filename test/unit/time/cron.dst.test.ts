/**
 * Daylight saving at real 2026 transitions, for every combination of `dstGap` and `dstOverlap`
 * (SPEC §3). Expected instants are written out by hand in UTC; the comment on each case gives
 * the wall clock.
 *
 * - America/New_York: 2026-03-08 02:00 EST → 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT → 01:00 EST (06:00Z)
 * - Europe/London: 2026-03-29 01:00 GMT → 02:00 BST (01:00Z); 2026-10-25 02:00 BST → 01:00 GMT (01:00Z)
 * - Australia/Lord_Howe (30-minute shift): 2026-04-05 02:00 +11 → 01:30 +10:30 (04-04 15:00Z);
 *   2026-10-04 02:00 +10:30 → 02:30 +11 (10-03 15:30Z)
 */
import { describe, expect, it } from 'vitest';
import { DstGap, DstOverlap, nextCronSlots, type CronSpec } from '../../../src/time/cron.js';

type Policy = DstGap | DstOverlap;

interface DstCase {
  name: string;
  zone: string;
  expression: string;
  after: string;
  /** Expected slots under each policy that matters; `all` when no policy changes them. */
  expected: Partial<Record<Policy | 'all', string[]>>;
}

const policies: Array<[DstGap, DstOverlap]> = [];
for (const gap of Object.values(DstGap)) {
  for (const overlap of Object.values(DstOverlap)) policies.push([gap, overlap]);
}

function expectedFor(testCase: DstCase, gap: DstGap, overlap: DstOverlap): string[] {
  const slots = testCase.expected.all ?? testCase.expected[gap] ?? testCase.expected[overlap];
  if (slots === undefined) throw new Error(`no expectation for ${testCase.name} ${gap}/${overlap}`);
  return slots.map((slot) => new Date(slot).toISOString());
}

function run(testCase: DstCase, gap: DstGap, overlap: DstOverlap, count: number): string[] {
  const spec: CronSpec = { expression: testCase.expression, timezone: testCase.zone, dstGap: gap, dstOverlap: overlap };
  return nextCronSlots(spec, new Date(testCase.after), count).map((slot) => slot.toISOString());
}

const springForward: DstCase[] = [
  {
    name: 'New York: a fixed time in the gap (02:30)',
    zone: 'America/New_York',
    expression: '30 2 * * *',
    after: '2026-03-07T12:00:00Z',
    // shift: 03:00 EDT on the 8th; skip: next 02:30 EDT on the 9th.
    expected: {
      shift: ['2026-03-08T07:00:00Z', '2026-03-09T06:30:00Z', '2026-03-10T06:30:00Z'],
      skip: ['2026-03-09T06:30:00Z', '2026-03-10T06:30:00Z', '2026-03-11T06:30:00Z'],
    },
  },
  {
    name: 'New York: several gap times of a fixed list collapse into one firing',
    zone: 'America/New_York',
    expression: '0,15,30,45 2 * * *',
    after: '2026-03-08T06:00:00Z',
    expected: {
      shift: ['2026-03-08T07:00:00Z', '2026-03-09T06:00:00Z', '2026-03-09T06:15:00Z'],
      skip: ['2026-03-09T06:00:00Z', '2026-03-09T06:15:00Z', '2026-03-09T06:30:00Z'],
    },
  },
  {
    name: 'New York: a shifted 02:00 and a real 03:00 fire once together',
    zone: 'America/New_York',
    expression: '0 2,3 * * *',
    after: '2026-03-08T05:00:00Z',
    expected: { all: ['2026-03-08T07:00:00Z', '2026-03-09T06:00:00Z', '2026-03-09T07:00:00Z'] },
  },
  {
    name: 'New York: an interval expression has no slot in the gap',
    zone: 'America/New_York',
    expression: '*/15 * * * *',
    after: '2026-03-08T06:40:00Z',
    // 01:45 EST, then 03:00 EDT: 02:00–02:45 never happen.
    expected: { all: ['2026-03-08T06:45:00Z', '2026-03-08T07:00:00Z', '2026-03-08T07:15:00Z'] },
  },
  {
    name: 'London: a fixed time in the gap (01:30)',
    zone: 'Europe/London',
    expression: '30 1 * * *',
    after: '2026-03-28T12:00:00Z',
    expected: {
      shift: ['2026-03-29T01:00:00Z', '2026-03-30T00:30:00Z', '2026-03-31T00:30:00Z'],
      skip: ['2026-03-30T00:30:00Z', '2026-03-31T00:30:00Z', '2026-04-01T00:30:00Z'],
    },
  },
  {
    name: 'London: an interval expression inside the skipped hour waits for the next day',
    zone: 'Europe/London',
    expression: '*/20 1 * * *',
    after: '2026-03-28T12:00:00Z',
    expected: { all: ['2026-03-30T00:00:00Z', '2026-03-30T00:20:00Z', '2026-03-30T00:40:00Z'] },
  },
  {
    name: 'Lord Howe: a fixed time in the 30-minute gap (02:15)',
    zone: 'Australia/Lord_Howe',
    expression: '15 2 * * *',
    after: '2026-10-03T00:00:00Z',
    // shift: 02:30 +11 on the 4th; skip: 02:15 +11 on the 5th.
    expected: {
      shift: ['2026-10-03T15:30:00Z', '2026-10-04T15:15:00Z', '2026-10-05T15:15:00Z'],
      skip: ['2026-10-04T15:15:00Z', '2026-10-05T15:15:00Z', '2026-10-06T15:15:00Z'],
    },
  },
  {
    name: 'Lord Howe: an interval expression keeps only the real half of the hour',
    zone: 'Australia/Lord_Howe',
    expression: '*/15 2 * * *',
    after: '2026-10-03T00:00:00Z',
    expected: { all: ['2026-10-03T15:30:00Z', '2026-10-03T15:45:00Z', '2026-10-04T15:00:00Z', '2026-10-04T15:15:00Z'] },
  },
  {
    name: 'Lord Howe: a 6-field every-30-seconds expression runs on through the jump',
    zone: 'Australia/Lord_Howe',
    expression: '*/30 * * * * *',
    after: '2026-10-03T15:29:00Z',
    expected: { all: ['2026-10-03T15:29:30Z', '2026-10-03T15:30:00Z', '2026-10-03T15:30:30Z'] },
  },
];

const fallBack: DstCase[] = [
  {
    name: 'New York: a fixed time in the repeated hour (01:30)',
    zone: 'America/New_York',
    expression: '30 1 * * *',
    after: '2026-10-31T12:00:00Z',
    // 01:30 EDT is 05:30Z, 01:30 EST is 06:30Z.
    expected: {
      first: ['2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z', '2026-11-03T06:30:00Z'],
      last: ['2026-11-01T06:30:00Z', '2026-11-02T06:30:00Z', '2026-11-03T06:30:00Z'],
      both: ['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z', '2026-11-02T06:30:00Z'],
    },
  },
  {
    name: 'New York: 02:00, just past the repeated hour, happens once',
    zone: 'America/New_York',
    expression: '0 2 * * *',
    after: '2026-10-31T12:00:00Z',
    expected: { all: ['2026-11-01T07:00:00Z', '2026-11-02T07:00:00Z'] },
  },
  {
    name: 'New York: an interval expression fires twice in the repeated hour',
    zone: 'America/New_York',
    expression: '*/15 * * * *',
    after: '2026-11-01T05:40:00Z',
    // 01:45 EDT, 01:00 EST … 01:45 EST, 02:00 EST.
    expected: {
      all: [
        '2026-11-01T05:45:00Z',
        '2026-11-01T06:00:00Z',
        '2026-11-01T06:15:00Z',
        '2026-11-01T06:30:00Z',
        '2026-11-01T06:45:00Z',
        '2026-11-01T07:00:00Z',
      ],
    },
  },
  {
    name: 'New York: @hourly fires at 01:00 EDT and again at 01:00 EST',
    zone: 'America/New_York',
    expression: '0 * * * *',
    after: '2026-11-01T04:30:00Z',
    expected: { all: ['2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z', '2026-11-01T07:00:00Z'] },
  },
  {
    name: 'London: a fixed time in the repeated hour (01:30)',
    zone: 'Europe/London',
    expression: '30 1 * * *',
    after: '2026-10-24T12:00:00Z',
    expected: {
      first: ['2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z', '2026-10-27T01:30:00Z'],
      last: ['2026-10-25T01:30:00Z', '2026-10-26T01:30:00Z', '2026-10-27T01:30:00Z'],
      both: ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z', '2026-10-26T01:30:00Z'],
    },
  },
  {
    name: 'London: a 6-field fixed time in the repeated hour (01:30:15)',
    zone: 'Europe/London',
    expression: '15 30 1 * * *',
    after: '2026-10-24T12:00:00Z',
    expected: {
      first: ['2026-10-25T00:30:15Z', '2026-10-26T01:30:15Z'],
      last: ['2026-10-25T01:30:15Z', '2026-10-26T01:30:15Z'],
      both: ['2026-10-25T00:30:15Z', '2026-10-25T01:30:15Z'],
    },
  },
  {
    name: 'London: an interval expression runs through both passes of 01:xx',
    zone: 'Europe/London',
    expression: '*/20 1 * * *',
    after: '2026-10-24T12:00:00Z',
    expected: {
      all: [
        '2026-10-25T00:00:00Z',
        '2026-10-25T00:20:00Z',
        '2026-10-25T00:40:00Z',
        '2026-10-25T01:00:00Z',
        '2026-10-25T01:20:00Z',
        '2026-10-25T01:40:00Z',
        '2026-10-26T01:00:00Z',
      ],
    },
  },
  {
    name: 'Lord Howe: a fixed time in the repeated half hour (01:45)',
    zone: 'Australia/Lord_Howe',
    expression: '45 1 * * *',
    after: '2026-04-04T00:00:00Z',
    // 01:45 +11 is 14:45Z, 01:45 +10:30 is 15:15Z.
    expected: {
      first: ['2026-04-04T14:45:00Z', '2026-04-05T15:15:00Z', '2026-04-06T15:15:00Z'],
      last: ['2026-04-04T15:15:00Z', '2026-04-05T15:15:00Z', '2026-04-06T15:15:00Z'],
      both: ['2026-04-04T14:45:00Z', '2026-04-04T15:15:00Z', '2026-04-05T15:15:00Z'],
    },
  },
  {
    name: 'Lord Howe: 01:15, before the repeated half hour, happens once',
    zone: 'Australia/Lord_Howe',
    expression: '15 1 * * *',
    after: '2026-04-04T00:00:00Z',
    expected: { all: ['2026-04-04T14:15:00Z', '2026-04-05T14:45:00Z'] },
  },
  {
    name: 'Lord Howe: an interval expression repeats only the half hour that comes round again',
    zone: 'Australia/Lord_Howe',
    expression: '*/15 1 * * *',
    after: '2026-04-04T13:30:00Z',
    expected: {
      all: [
        '2026-04-04T14:00:00Z',
        '2026-04-04T14:15:00Z',
        '2026-04-04T14:30:00Z',
        '2026-04-04T14:45:00Z',
        '2026-04-04T15:00:00Z',
        '2026-04-04T15:15:00Z',
        '2026-04-05T14:30:00Z',
      ],
    },
  },
  {
    name: 'Lord Howe: @hourly skips nothing and repeats nothing across a 30-minute fall back',
    zone: 'Australia/Lord_Howe',
    expression: '0 * * * *',
    after: '2026-04-04T13:30:00Z',
    // 01:00 +11, then 02:00 +10:30 ninety real minutes later.
    expected: { all: ['2026-04-04T14:00:00Z', '2026-04-04T15:30:00Z', '2026-04-04T16:30:00Z'] },
  },
  {
    name: 'Lord Howe: a 6-field every-30-seconds expression runs on through the fall back',
    zone: 'Australia/Lord_Howe',
    expression: '*/30 * * * * *',
    after: '2026-04-04T14:59:00Z',
    expected: { all: ['2026-04-04T14:59:30Z', '2026-04-04T15:00:00Z', '2026-04-04T15:00:30Z'] },
  },
];

function casesWithPolicies(cases: DstCase[]): Array<[string, DstCase, DstGap, DstOverlap]> {
  return cases.flatMap((testCase) =>
    policies.map(([gap, overlap]): [string, DstCase, DstGap, DstOverlap] => [
      `${testCase.name} (dstGap ${gap}, dstOverlap ${overlap})`,
      testCase,
      gap,
      overlap,
    ]),
  );
}

describe('nextCronSlots at a spring-forward transition', () => {
  it.each(casesWithPolicies(springForward))('%s', (_name, testCase, gap, overlap) => {
    const expected = expectedFor(testCase, gap, overlap);
    expect(run(testCase, gap, overlap, expected.length)).toEqual(expected);
  });
});

describe('nextCronSlots at a fall-back transition', () => {
  it.each(casesWithPolicies(fallBack))('%s', (_name, testCase, gap, overlap) => {
    const expected = expectedFor(testCase, gap, overlap);
    expect(run(testCase, gap, overlap, expected.length)).toEqual(expected);
  });
});

describe('DST policy examples in words', () => {
  const newYork = (expression: string, gap: DstGap, overlap: DstOverlap): CronSpec => ({
    expression,
    timezone: 'America/New_York',
    dstGap: gap,
    dstOverlap: overlap,
  });

  it('fires a spring-forward slot once at the first instant after the jump', () => {
    const [slot] = nextCronSlots(newYork('30 2 * * *', 'shift', 'first'), new Date('2026-03-08T06:00:00Z'), 1);
    expect(slot?.toISOString()).toBe('2026-03-08T07:00:00.000Z');
  });

  it('resumes after a shifted slot without firing the gap again', () => {
    const shifted = new Date('2026-03-08T07:00:00Z');
    const [slot] = nextCronSlots(newYork('30 2 * * *', 'shift', 'first'), shifted, 1);
    expect(slot?.toISOString()).toBe('2026-03-09T06:30:00.000Z');
  });

  it('does not fire the second occurrence when resuming inside the repeated hour under "first"', () => {
    const firstOccurrence = new Date('2026-11-01T05:30:00Z');
    const [slot] = nextCronSlots(newYork('30 1 * * *', 'shift', 'first'), firstOccurrence, 1);
    expect(slot?.toISOString()).toBe('2026-11-02T06:30:00.000Z');
  });

  it('fires the second occurrence when resuming inside the repeated hour under "both"', () => {
    const firstOccurrence = new Date('2026-11-01T05:30:00Z');
    const [slot] = nextCronSlots(newYork('30 1 * * *', 'shift', 'both'), firstOccurrence, 1);
    expect(slot?.toISOString()).toBe('2026-11-01T06:30:00.000Z');
  });
});
