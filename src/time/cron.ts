/**
 * Cron expressions: validation, description in words, and the slots of a cron schedule in its
 * time zone with the schedule's daylight-saving policy (SPEC §3).
 *
 * Owns:
 * - what a valid expression is: 5 fields, or 6 with seconds first; names, lists, ranges,
 *   steps, `L`, `W`, `#`, the nicknames `@yearly … @hourly`. Parsing is croner's; this module
 *   only adds the checks croner does not make (7 fields, `@reboot`, the `+` modifier);
 * - which expressions are interval expressions (a wildcard or step in the second, minute or
 *   hour field) and which are fixed-time;
 * - the DST rules: `dstGap` / `dstOverlap` for fixed-time expressions; every real matching
 *   instant for interval expressions.
 *
 * How slots are found. croner is run at UTC offset 0 over "wall clock as UTC" dates, so it
 * matches the pattern against wall-clock fields and applies no DST logic of its own. Real time
 * is then walked span by span (`findOffsetSpan`: stretches of constant offset between
 * transitions). Inside a span, wall time = instant + offset is monotonic, so each croner match
 * maps to exactly one instant and slots come out in order. At a span's end:
 * - spring forward (offset grows): wall times in [end + before, end + after) have no instant.
 *   A fixed-time expression that matches one of them fires once at `end` under `shift`.
 * - fall back (offset shrinks): wall times in [end + after, end + before) occur in both spans.
 *   `first` drops the matches in the later span, `last` those in the earlier one.
 *
 * Invariants: results are strictly ascending, unique, strictly after `after`; every loop is
 * bounded (croner gives up at year 3000; an expression that never matches is detected once
 * and cached). No clock reads: every "now" is a parameter.
 */

import { createRequire } from 'node:module';
import { Cron } from 'croner';
import { ErrorCode, HourglassError } from '../errors.js';
import { assertTimezone, findOffsetSpan, zoneOffsetMs, type OffsetSpan } from './zones.js';

export const DstGap = Object.freeze({ shift: 'shift', skip: 'skip' } as const);
export type DstGap = (typeof DstGap)[keyof typeof DstGap];

export const DstOverlap = Object.freeze({ first: 'first', last: 'last', both: 'both' } as const);
export type DstOverlap = (typeof DstOverlap)[keyof typeof DstOverlap];

export interface CronSpec {
  expression: string;
  /** IANA zone whose wall clock the expression is read in. */
  timezone: string;
  /** Fixed-time expressions only: a slot in a spring-forward gap. @default 'shift' */
  dstGap: DstGap;
  /** Fixed-time expressions only: a slot repeated by a fall-back. @default 'first' */
  dstOverlap: DstOverlap;
}

/** The nicknames cron understands, as the 5-field expressions they stand for. */
export const CRON_NICKNAMES: Readonly<Record<string, string>> = Object.freeze({
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
});

const FIELD_HELP = 'expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first';
const PARSED_CACHE_SIZE = 2000;
/** Backstop only: each step yields a slot, drops a repeated one, or crosses a span. */
const MAX_EXTRA_STEPS = 100_000;

interface ParsedCron {
  /** Nicknames expanded, whitespace as given. */
  expanded: string;
  cron: Cron;
  isInterval: boolean;
  hasSeconds: boolean;
  /** Lazily: whether the pattern matches nothing from 1970 to croner's horizon. */
  neverMatches: boolean | undefined;
}

const parsedCache = new Map<string, ParsedCron>();

function invalidCron(message: string, field: string, cause?: unknown): HourglassError {
  return new HourglassError(ErrorCode.invalidCron, message, { field, cause });
}

function expandNickname(trimmed: string, field: string): string {
  if (!trimmed.startsWith('@')) return trimmed;
  const name = trimmed.toLowerCase();
  if (name === '@reboot') {
    throw invalidCron('@reboot is not supported: schedules fire at times of day, not when a process starts', field);
  }
  const expanded = CRON_NICKNAMES[name];
  if (expanded === undefined) {
    throw invalidCron(`unknown cron nickname "${trimmed}": expected one of ${Object.keys(CRON_NICKNAMES).join(' ')}`, field);
  }
  return expanded;
}

function checkFields(trimmed: string, fields: readonly string[], field: string): void {
  if (fields.length === 7) {
    throw invalidCron(`cron expression "${trimmed}" has 7 fields: the year field is not supported; ${FIELD_HELP}`, field);
  }
  if (fields.length < 5 || fields.length > 7) {
    throw invalidCron(`cron expression "${trimmed}" has ${fields.length} field(s): ${FIELD_HELP}`, field);
  }
  // croner's `+` turns the day fields into AND; SPEC §3 promises classic OR semantics.
  if (fields.at(-1)!.includes('+')) {
    throw invalidCron(
      `cron expression "${trimmed}": the "+" day-of-week modifier is not supported (a day matches if either day field matches)`,
      field,
    );
  }
}

function buildParsedCron(expression: unknown, field: string): ParsedCron {
  if (typeof expression !== 'string') {
    throw invalidCron(`expected a cron expression string, got ${expression === null ? 'null' : typeof expression}`, field);
  }
  const trimmed = expression.trim();
  if (trimmed === '') throw invalidCron(`cron expression is empty: ${FIELD_HELP}`, field);
  const expanded = expandNickname(trimmed, field);
  const fields = expanded.split(/\s+/);
  checkFields(trimmed, fields, field);
  let cron: Cron;
  try {
    // UTC offset 0: croner matches wall-clock fields and leaves DST to this module.
    cron = new Cron(expanded, { mode: '5-or-6-parts', utcOffset: 0, domAndDow: false, paused: true });
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern:\s*/, '');
    throw invalidCron(`invalid cron expression "${trimmed}": ${reason}`, field, error);
  }
  const hasSeconds = fields.length === 6;
  const timeFields = fields.slice(0, hasSeconds ? 3 : 2);
  return {
    expanded,
    cron,
    isInterval: timeFields.some((part) => /[*?/]/.test(part)),
    hasSeconds,
    neverMatches: undefined,
  };
}

/** Parses through a small LRU cache: the scheduler evaluates the same few expressions a lot. */
function parseCron(expression: unknown, field = 'cron_expression'): ParsedCron {
  if (typeof expression === 'string') {
    const cached = parsedCache.get(expression);
    if (cached !== undefined) {
      parsedCache.delete(expression);
      parsedCache.set(expression, cached);
      return cached;
    }
  }
  const parsed = buildParsedCron(expression, field);
  if (parsedCache.size >= PARSED_CACHE_SIZE) {
    const oldest = parsedCache.keys().next().value;
    if (oldest !== undefined) parsedCache.delete(oldest);
  }
  parsedCache.set(expression as string, parsed);
  return parsed;
}

/**
 * Returns the trimmed expression, or throws `invalid_cron` naming the problem and `field`. An
 * expression that no date satisfies (`0 0 31 2 *`) is invalid: a schedule with it would never run.
 */
export function validateCron(expression: unknown, field = 'cron_expression'): string {
  const parsed = parseCron(expression, field);
  const trimmed = (expression as string).trim();
  if (neverMatches(parsed)) {
    throw invalidCron(`cron expression "${trimmed}" never matches: no date has that day of month, month and weekday`, field);
  }
  return trimmed;
}

/**
 * Interval expressions have a wildcard or step in the second, minute or hour field (after
 * nickname expansion: `@hourly` is one, `@daily` is not). Lists and ranges are fixed-time.
 */
export function isIntervalExpression(expression: string): boolean {
  return parseCron(expression).isInterval;
}

/**
 * cronstrue, loaded on the first description: only the API and `hourglass cron` describe
 * expressions, and a scheduler or worker process keeps about 2.5 MB less in memory.
 */
let cronstrue: typeof import('cronstrue').default | null = null;

function describeWith(expression: string): string | null {
  cronstrue ??= createRequire(import.meta.url)('cronstrue') as typeof import('cronstrue').default;
  try {
    return cronstrue.toString(expression, { throwExceptionOnParseError: true, use24HourTimeFormat: false });
  } catch {
    return null;
  }
}

/** The expression in English words, e.g. "At 02:00 AM". */
export function describeCron(expression: string): string {
  const { expanded } = parseCron(expression);
  // cronstrue writes croner's "last Friday" (5#L) as 5L.
  return (
    describeWith(expanded) ?? describeWith(expanded.replace(/#L\b/gi, 'L')) ?? `cron "${expression.trim()}"`
  );
}

/**
 * Whether the wall clock of `timezone` at `instant` matches `expression`. For a 5-field
 * expression the seconds of the instant are ignored (the whole minute matches).
 */
export function matchesCron(expression: string, timezone: string, instant: Date): boolean {
  const parsed = parseCron(expression);
  const zone = assertTimezone(timezone);
  const wallMs = instant.getTime() + zoneOffsetMs(zone, instant);
  const unitMs = parsed.hasSeconds ? 1000 : 60_000;
  return parsed.cron.match(new Date(Math.floor(wallMs / unitMs) * unitMs));
}

/** The first wall-clock match strictly after `wallMs` (whole seconds), or null. */
function nextWallMatch(parsed: ParsedCron, wallMs: number): number | null {
  return parsed.cron.nextRun(new Date(wallMs))?.getTime() ?? null;
}

function neverMatches(parsed: ParsedCron): boolean {
  // croner searches to year 3000 before giving up (milliseconds), so ask once per expression.
  parsed.neverMatches ??= nextWallMatch(parsed, Date.UTC(1970, 0, 1)) === null;
  return parsed.neverMatches;
}

/** For a fixed-time match inside `span`: does the overlap policy drop this occurrence? */
function isDroppedRepeat(policy: DstOverlap, span: OffsetSpan, wallMs: number): boolean {
  if (policy === DstOverlap.first) {
    // The span began with a fall-back: its first wall times are second occurrences.
    return span.offsetBeforeMs > span.offsetMs && wallMs < span.startMs + span.offsetBeforeMs;
  }
  if (policy === DstOverlap.last) {
    // The span ends with a fall-back: its last wall times come round again.
    return span.offsetAfterMs < span.offsetMs && wallMs >= span.endMs + span.offsetAfterMs;
  }
  return false;
}

/** Whether `wallMs`, the first match at or after the span's end, lies in the gap that ends it. */
function isInGapAtEnd(span: OffsetSpan, wallMs: number): boolean {
  return span.offsetAfterMs > span.offsetMs && wallMs < span.endMs + span.offsetAfterMs;
}

interface WalkBounds {
  /** Exclusive. */
  afterMs: number;
  /** The walk ends with the first slot after this instant (included), or before it at `limit`. */
  stopAfterMs: number;
  limit: number;
}

function walkSlots(spec: CronSpec, parsed: ParsedCron, zone: string, bounds: WalkBounds): Date[] {
  const slots: number[] = [];
  const push = (ms: number): void => {
    if (slots.length === 0 || ms > slots[slots.length - 1]!) slots.push(ms);
  };
  const fixed = !parsed.isInterval;
  let fromMs = bounds.afterMs;
  let span = findOffsetSpan(zone, fromMs);
  const maxSteps = bounds.limit + MAX_EXTRA_STEPS;
  const isDone = () => slots.length >= bounds.limit || slots[slots.length - 1]! > bounds.stopAfterMs;
  for (let step = 0; !isDone() && step < maxSteps; step++) {
    const wallMs = nextWallMatch(parsed, fromMs + span.offsetMs);
    if (wallMs === null) break;
    const instantMs = wallMs - span.offsetMs;
    if (instantMs < span.endMs) {
      if (!(fixed && isDroppedRepeat(spec.dstOverlap, span, wallMs))) push(instantMs);
      fromMs = instantMs;
      continue;
    }
    if (fixed && spec.dstGap === DstGap.shift && isInGapAtEnd(span, wallMs)) push(span.endMs);
    // Instants are whole seconds, so "after end - 1 ms" is "at or after end".
    fromMs = span.endMs - 1;
    span = findOffsetSpan(zone, span.endMs);
  }
  return slots.map((ms) => new Date(ms));
}

function checkSlotQuery(spec: CronSpec, after: Date, limit: number): { parsed: ParsedCron; zone: string } {
  if (!(after instanceof Date) || Number.isNaN(after.getTime())) {
    throw new HourglassError(ErrorCode.validationError, 'expected a valid Date to search from');
  }
  if (!Number.isInteger(limit) || limit < 0) {
    throw new HourglassError(ErrorCode.validationError, `expected a non-negative integer count, got ${limit}`);
  }
  if (!Object.hasOwn(DstGap, spec.dstGap) || !Object.hasOwn(DstOverlap, spec.dstOverlap)) {
    throw new HourglassError(ErrorCode.validationError, `unknown DST policy ${spec.dstGap}/${spec.dstOverlap}`);
  }
  return { parsed: parseCron(spec.expression), zone: assertTimezone(spec.timezone) };
}

/**
 * The next `count` slots strictly after `after`, ascending and unique, with the DST policy of
 * `spec` applied. Empty when the expression never matches again.
 */
export function nextCronSlots(spec: CronSpec, after: Date, count: number): Date[] {
  const { parsed, zone } = checkSlotQuery(spec, after, count);
  if (count === 0 || neverMatches(parsed)) return [];
  return walkSlots(spec, parsed, zone, { afterMs: after.getTime(), stopAfterMs: Infinity, limit: count });
}

/**
 * Loads what finding slots needs the first time in a process, so that the first slot a scheduler
 * fires does not wait for it: the time-zone data behind `Intl` (about 28 ms on this project's CI
 * machine), croner, and the code of one walk (about 7 ms more while cold). A due schedule
 * inserted by another process used to pay all of it in the tick that fired it: 43 ms for the
 * first walk of a fresh scheduler, 0.1 ms for the next.
 */
export function warmUpCron(): void {
  nextCronSlots({ expression: '0 0 * * *', timezone: 'UTC', dstGap: DstGap.shift, dstOverlap: DstOverlap.first }, new Date(0), 2);
}

/**
 * Slots with `from < slot <= to`, ascending, at most `limit` (the earliest ones), and `next`:
 * the slot after the last of them (after `from` if there is none), null when the expression
 * never matches again. One walk answers both, which is what the scheduler asks of every due
 * schedule (its due slots and its new `next_run_at`).
 */
export function cronSlotsBetween(spec: CronSpec, from: Date, to: Date, limit: number): { slots: Date[]; next: Date | null } {
  const { parsed, zone } = checkSlotQuery(spec, from, limit);
  if (!(to instanceof Date) || Number.isNaN(to.getTime())) {
    throw new HourglassError(ErrorCode.validationError, 'expected a valid Date to search until');
  }
  if (neverMatches(parsed)) return { slots: [], next: null };
  const found = walkSlots(spec, parsed, zone, { afterMs: from.getTime(), stopAfterMs: to.getTime(), limit: limit + 1 });
  const slots = found.filter((slot) => slot <= to).slice(0, limit);
  return { slots, next: found[slots.length] ?? null };
}
