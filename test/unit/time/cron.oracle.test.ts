/**
 * `nextCronSlots` against an independent oracle, and property-based checks with fast-check.
 *
 * The oracle shares no code with `src/time`: it steps over real instants (every minute, or
 * every second for 6-field expressions) around real transitions, reads the wall clock with its
 * own `Intl.DateTimeFormat`, matches it with a tiny matcher for simple expressions (`M H * * *`,
 * lists, `*` and `*\/N` in the time fields), and applies SPEC §3 literally:
 * - interval expressions: every real instant whose wall clock matches;
 * - fixed-time expressions: per matching wall time, its first / last / every occurrence; a
 *   matching wall time that never occurs fires (`shift`) at the first real instant whose wall
 *   clock is later, once per gap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DstGap, DstOverlap, cronSlotsBetween, nextCronSlots, type CronSpec } from '../../../src/time/cron.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

const oracleFormatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock at `instantMs` as milliseconds of a "wall clock as UTC" date. */
function oracleWallMs(zone: string, instantMs: number): number {
  let formatter = oracleFormatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    oracleFormatters.set(zone, formatter);
  }
  // "03/08/2026, 01:59:00"
  const text = formatter.format(new Date(instantMs));
  const [month, day, year, hour, minute, second] = text.split(/\D+/).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function fieldMatcher(field: string): (value: number) => boolean {
  if (field === '*') return () => true;
  if (field.startsWith('*/')) return (value) => value % Number(field.slice(2)) === 0;
  const values = new Set(field.split(',').map(Number));
  return (value) => values.has(value);
}

interface OracleExpression {
  matches: (wallMs: number) => boolean;
  isInterval: boolean;
  stepMs: number;
}

/** Simple expressions only: time fields as above, `* * *` for the day fields. */
function oracleExpression(expression: string): OracleExpression {
  const fields = expression.split(' ');
  const timeFields = fields.length === 6 ? fields.slice(0, 3) : ['0', ...fields.slice(0, 2)];
  const [second, minute, hour] = timeFields.map(fieldMatcher) as [
    (value: number) => boolean,
    (value: number) => boolean,
    (value: number) => boolean,
  ];
  return {
    matches: (wallMs) => {
      const wall = new Date(wallMs);
      return second(wall.getUTCSeconds()) && minute(wall.getUTCMinutes()) && hour(wall.getUTCHours());
    },
    isInterval: timeFields.some((field) => field.includes('*')),
    stepMs: fields.length === 6 ? 1000 : MINUTE_MS,
  };
}

interface Scan {
  startMs: number;
  stepMs: number;
  walls: number[];
}

const scans = new Map<string, Scan>();

function scanWindow(zone: string, startMs: number, endMs: number, stepMs: number): Scan {
  const key = `${zone}|${startMs}|${endMs}|${stepMs}`;
  let scan = scans.get(key);
  if (scan === undefined) {
    const walls: number[] = [];
    for (let t = startMs; t < endMs; t += stepMs) walls.push(oracleWallMs(zone, t));
    scan = { startMs, stepMs, walls };
    scans.set(key, scan);
  }
  return scan;
}

function oracleSlots(scan: Scan, expression: OracleExpression, gap: DstGap, overlap: DstOverlap): number[] {
  const occurrences = new Map<number, number[]>();
  scan.walls.forEach((wallMs, index) => {
    if (!expression.matches(wallMs)) return;
    const instantMs = scan.startMs + index * scan.stepMs;
    occurrences.set(wallMs, [...(occurrences.get(wallMs) ?? []), instantMs]);
  });
  const slots = new Set<number>();
  for (const instants of occurrences.values()) {
    if (expression.isInterval || overlap === 'both') instants.forEach((instant) => slots.add(instant));
    else slots.add(overlap === 'first' ? instants[0]! : instants.at(-1)!);
  }
  if (!expression.isInterval && gap === 'shift') {
    // Wall times between two consecutive scanned walls that jump forward never occur.
    for (let index = 1; index < scan.walls.length; index++) {
      const before = scan.walls[index - 1]!;
      const after = scan.walls[index]!;
      for (let wall = before + expression.stepMs; wall < after; wall += expression.stepMs) {
        if (expression.matches(wall)) slots.add(scan.startMs + index * scan.stepMs);
      }
    }
  }
  return [...slots].sort((a, b) => a - b);
}

interface Window {
  zone: string;
  /** A transition (or any instant, for a zone without DST). */
  atMs: number;
}

const windows: Window[] = [
  { zone: 'America/New_York', atMs: Date.parse('2026-03-08T07:00:00Z') },
  { zone: 'America/New_York', atMs: Date.parse('2026-11-01T06:00:00Z') },
  { zone: 'Europe/London', atMs: Date.parse('2026-03-29T01:00:00Z') },
  { zone: 'Europe/London', atMs: Date.parse('2026-10-25T01:00:00Z') },
  { zone: 'Australia/Lord_Howe', atMs: Date.parse('2026-04-04T15:00:00Z') },
  { zone: 'Australia/Lord_Howe', atMs: Date.parse('2026-10-03T15:30:00Z') },
  { zone: 'Australia/Sydney', atMs: Date.parse('2026-04-04T16:00:00Z') },
  { zone: 'Australia/Sydney', atMs: Date.parse('2026-10-03T16:00:00Z') },
  { zone: 'America/Santiago', atMs: Date.parse('2026-04-05T03:00:00Z') },
  { zone: 'America/Santiago', atMs: Date.parse('2026-09-06T04:00:00Z') },
  { zone: 'Pacific/Chatham', atMs: Date.parse('2026-04-04T14:00:00Z') },
  { zone: 'Pacific/Chatham', atMs: Date.parse('2026-09-26T14:00:00Z') },
  { zone: 'Asia/Kathmandu', atMs: Date.parse('2026-06-01T00:00:00Z') },
];

const minuteExpressions = [
  ...[0, 1, 2, 3, 23].flatMap((hour) => [0, 15, 30, 45, 59].map((minute) => `${minute} ${hour} * * *`)),
  '0,30 1,2 * * *',
  '45 0,2 * * *',
  '*/15 * * * *',
  '*/7 * * * *',
  '0 * * * *',
  '*/20 1 * * *',
  '*/10 2 * * *',
  '* 2 * * *',
];

const secondExpressions = ['*/30 * * * * *', '15 30 1 * * *', '0 */20 * * * *', '0 0 2 * * *', '30 59 1 * * *'];

const policies: Array<[DstGap, DstOverlap]> = Object.values(DstGap).flatMap((gap) =>
  Object.values(DstOverlap).map((overlap): [DstGap, DstOverlap] => [gap, overlap]),
);

/**
 * Compares the slots in (from, to] for several `from` instants across the inner window, so
 * that searches starting inside a gap or a repeat are covered too. The scan reaches `margin`
 * beyond the inner window, so repeats and gaps at its edges are seen whole.
 */
function compareWithOracle(window: Window, expression: string, halfWidthMs: number, fromStepMs: number): void {
  const oracle = oracleExpression(expression);
  const marginMs = 3 * HOUR_MS;
  const startMs = window.atMs - halfWidthMs - marginMs;
  const endMs = window.atMs + halfWidthMs + marginMs;
  const scan = scanWindow(window.zone, startMs, endMs, oracle.stepMs);
  const toMs = window.atMs + halfWidthMs;
  // Interval expressions ignore the policies: two combinations show that; the DST tables try all.
  const tried = oracle.isInterval ? [policies[0]!, policies.at(-1)!] : policies;
  for (const [gap, overlap] of tried) {
    const expected = oracleSlots(scan, oracle, gap, overlap);
    const spec: CronSpec = { expression, timezone: window.zone, dstGap: gap, dstOverlap: overlap };
    for (let fromMs = window.atMs - halfWidthMs; fromMs < toMs; fromMs += fromStepMs) {
      const want = expected.filter((slot) => slot > fromMs && slot <= toMs).map((slot) => new Date(slot).toISOString());
      const got = cronSlotsBetween(spec, new Date(fromMs), new Date(toMs), 100_000).slots.map((slot) => slot.toISOString());
      expect(got, `${expression} in ${window.zone} from ${new Date(fromMs).toISOString()} (${gap}/${overlap})`).toEqual(want);
    }
  }
}

describe('nextCronSlots against a brute-force oracle (minute steps over two days)', () => {
  const cases = windows.flatMap((window) =>
    minuteExpressions.map((expression): [string, string, Window] => [
      expression,
      `${window.zone} ${new Date(window.atMs).toISOString().slice(0, 10)}`,
      window,
    ]),
  );
  it.each(cases)('agrees for %j around %s', (expression, _label, window) => {
    compareWithOracle(window, expression, 20 * HOUR_MS, 253 * MINUTE_MS);
  });
});

describe('nextCronSlots against a brute-force oracle (second steps over four hours)', () => {
  const cases = windows.slice(0, 6).flatMap((window) =>
    secondExpressions.map((expression): [string, string, Window] => [
      expression,
      `${window.zone} ${new Date(window.atMs).toISOString().slice(0, 10)}`,
      window,
    ]),
  );
  it.each(cases)('agrees for %j around %s', (expression, _label, window) => {
    compareWithOracle(window, expression, 2 * HOUR_MS, 37 * MINUTE_MS + 13_000);
  });
});

const propertyZones = [
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'America/New_York',
  'Europe/London',
  'Australia/Sydney',
  'UTC',
  'Pacific/Chatham',
  'America/Santiago',
];
const transitionInstants = windows.map((window) => window.atMs);

/** Uniform instants, and instants within six hours of a real transition. */
const instantArbitrary = fc.oneof(
  fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z') }),
  fc
    .tuple(fc.constantFrom(...transitionInstants), fc.integer({ min: -6 * HOUR_MS, max: 6 * HOUR_MS }))
    .map(([atMs, offsetMs]) => atMs + offsetMs),
);

const specArbitrary = (expressions: readonly string[]): fc.Arbitrary<CronSpec> =>
  fc.record({
    expression: fc.constantFrom(...expressions),
    timezone: fc.constantFrom(...propertyZones),
    dstGap: fc.constantFrom(...Object.values(DstGap)),
    dstOverlap: fc.constantFrom(...Object.values(DstOverlap)),
  });

const anyExpressions = [...minuteExpressions, ...secondExpressions, '0 9 * * MON-FRI', '0 0 L * *', '@daily', '@hourly'];
const intervalExpressions = ['*/15 * * * *', '*/7 * * * *', '0 * * * *', '* * * * *', '*/20 1 * * *', '30 * * * *'];

describe('nextCronSlots properties', () => {
  it('returns strictly ascending slots, all strictly after the start', () => {
    fc.assert(
      fc.property(specArbitrary(anyExpressions), instantArbitrary, fc.integer({ min: 1, max: 20 }), (spec, afterMs, count) => {
        const slots = nextCronSlots(spec, new Date(afterMs), count).map((slot) => slot.getTime());
        expect(slots).toHaveLength(count);
        expect(slots[0]!).toBeGreaterThan(afterMs);
        slots.slice(1).forEach((slot, index) => expect(slot).toBeGreaterThan(slots[index]!));
      }),
      { numRuns: 300 },
    );
  });

  it('continues from any slot it returned exactly as the longer search did', () => {
    fc.assert(
      fc.property(specArbitrary(anyExpressions), instantArbitrary, fc.integer({ min: 2, max: 12 }), (spec, afterMs, count) => {
        const slots = nextCronSlots(spec, new Date(afterMs), count);
        const chained = nextCronSlots(spec, slots[0]!, count - 1);
        expect(chained).toEqual(slots.slice(1));
      }),
      { numRuns: 300 },
    );
  });

  it('fires an interval expression at every real minute whose wall clock matches, and only there', () => {
    fc.assert(
      fc.property(specArbitrary(intervalExpressions), instantArbitrary, fc.integer({ min: 1, max: 6 }), (spec, afterMs, count) => {
        const oracle = oracleExpression(spec.expression);
        const slots = nextCronSlots(spec, new Date(afterMs), count).map((slot) => slot.getTime());
        const expected: number[] = [];
        for (let t = Math.floor(afterMs / MINUTE_MS + 1) * MINUTE_MS; t <= slots.at(-1)!; t += MINUTE_MS) {
          if (oracle.matches(oracleWallMs(spec.timezone, t))) expected.push(t);
        }
        expect(slots).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('agrees with cronSlotsBetween over the same range, and on the slot after it', () => {
    fc.assert(
      fc.property(specArbitrary(anyExpressions), instantArbitrary, fc.integer({ min: 1, max: 48 }), (spec, fromMs, hours) => {
        const from = new Date(fromMs);
        const to = new Date(fromMs + hours * HOUR_MS);
        const between = cronSlotsBetween(spec, from, to, 10_000);
        const next = nextCronSlots(spec, from, between.slots.length + 1);
        expect(between.slots).toEqual(next.filter((slot) => slot <= to));
        expect(between.next).toEqual(next[between.slots.length] ?? null);
      }),
      { numRuns: 200 },
    );
  });
});
