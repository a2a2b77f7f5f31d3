/**
 * Blackout windows of a schedule (`exclusions`, SPEC §3): slots inside one are suppressed
 * (counted, never fired).
 *
 * Two kinds:
 * - `{ cron, timezone?, reason? }`: every slot whose wall-clock minute matches the cron
 *   expression, read in `timezone` (default: the schedule's zone). `* 0-6 * * SAT,SUN` blacks
 *   out weekend nights.
 * - `{ from, until, reason? }`: a period. Each end is an ISO instant with an offset
 *   (`2026-12-24T18:00:00Z`) or a plain date (`2026-12-24`). A plain date means whole days in
 *   the schedule's zone: `from` is the start of that day, `until` includes that day. An
 *   instant `until` is exclusive.
 *
 * Does not count suppressed slots or decide what a suppressed slot does: that is `slots.ts`.
 * Invariant: `validateExclusions` returns fresh, normalised objects with only known keys, so
 * what is stored is exactly what `isExcluded` understands.
 */

import { ErrorCode, HourglassError } from '../errors.js';
import { matchesCron, validateCron } from './cron.js';
import { assertTimezone, nextInstantAfterGap, wallClockToInstants, type WallClock } from './zones.js';

export interface CronExclusion {
  cron: string;
  /** IANA zone the cron is read in. @default the schedule's timezone */
  timezone?: string;
  reason?: string;
}

export interface PeriodExclusion {
  /** ISO instant with offset, or `YYYY-MM-DD` (start of that day in the schedule's zone). */
  from: string;
  /** ISO instant with offset (exclusive), or `YYYY-MM-DD` (that whole day included). */
  until: string;
  reason?: string;
}

export type Exclusion = CronExclusion | PeriodExclusion;

const MAX_EXCLUSIONS = 100;
const MAX_REASON_LENGTH = 500;
const HOUR_MS = 3_600_000;
const plainDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const instantPattern = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

function invalid(field: string, message: string): HourglassError {
  return new HourglassError(ErrorCode.validationError, `${field}: ${message}`, { field });
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value) : typeof value;
}

function parsePlainDate(text: string): { year: number; month: number; day: number } | null {
  const match = plainDatePattern.exec(text);
  if (match === null) return null;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  const valid = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return valid ? { year, month, day } : null;
}

function isInstant(text: string): boolean {
  const match = instantPattern.exec(text);
  return match !== null && parsePlainDate(match[1]!) !== null && !Number.isNaN(Date.parse(text));
}

function validateBoundary(value: unknown, field: string): string {
  if (typeof value === 'string' && (parsePlainDate(value) !== null || isInstant(value))) return value;
  throw invalid(
    field,
    `expected a date such as "2026-12-24" or an ISO instant with offset such as "2026-12-24T18:00:00Z", got ${describeValue(value)}`,
  );
}

/**
 * The widest instant an end could mean in any zone (offsets span -12 h to +14 h), so that the
 * order check at validation, before the schedule's zone is known, only refuses empty windows.
 */
function widestBoundaryMs(text: string, side: 'from' | 'until'): number {
  const date = parsePlainDate(text);
  if (date === null) return Date.parse(text);
  const dayStartUtc = Date.UTC(date.year, date.month - 1, date.day);
  return side === 'from' ? dayStartUtc - 14 * HOUR_MS : dayStartUtc + 24 * HOUR_MS + 12 * HOUR_MS;
}

function validateReason(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_REASON_LENGTH) {
    throw invalid(field, `expected a text of at most ${MAX_REASON_LENGTH} characters, got ${describeValue(value)}`);
  }
  return value;
}

function checkKeys(item: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(item)) {
    if (!allowed.includes(key)) throw invalid(field, `unknown key "${key}"; expected ${allowed.join(', ')}`);
  }
}

function validatePeriod(item: Record<string, unknown>, field: string): PeriodExclusion {
  checkKeys(item, ['from', 'until', 'reason'], field);
  const from = validateBoundary(item['from'], `${field}.from`);
  const until = validateBoundary(item['until'], `${field}.until`);
  const bothDates = parsePlainDate(from) !== null && parsePlainDate(until) !== null;
  const empty = bothDates ? from > until : widestBoundaryMs(from, 'from') >= widestBoundaryMs(until, 'until');
  if (empty) throw invalid(`${field}.until`, `the window is empty: "${until}" is not after "${from}"`);
  const reason = validateReason(item['reason'], `${field}.reason`);
  return reason === undefined ? { from, until } : { from, until, reason };
}

function validateCronWindow(item: Record<string, unknown>, field: string): CronExclusion {
  checkKeys(item, ['cron', 'timezone', 'reason'], field);
  const exclusion: CronExclusion = { cron: validateCron(item['cron'], `${field}.cron`) };
  if (item['timezone'] !== undefined) exclusion.timezone = assertTimezone(item['timezone'], `${field}.timezone`);
  const reason = validateReason(item['reason'], `${field}.reason`);
  if (reason !== undefined) exclusion.reason = reason;
  return exclusion;
}

function validateExclusion(item: unknown, field: string): Exclusion {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw invalid(field, `expected an object with "cron" or "from" and "until", got ${describeValue(item)}`);
  }
  const record = item as Record<string, unknown>;
  const isCron = 'cron' in record;
  const isPeriod = 'from' in record || 'until' in record;
  if (isCron && isPeriod) throw invalid(field, 'expected either "cron" or "from" and "until", not both');
  if (isCron) return validateCronWindow(record, field);
  if (isPeriod) return validatePeriod(record, field);
  throw invalid(field, 'expected "cron" or "from" and "until"');
}

/** Normalised blackout windows, or a `validation_error` / `invalid_cron` / `invalid_timezone` naming the index. */
export function validateExclusions(value: unknown, field = 'exclusions'): Exclusion[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(field, `expected an array of blackout windows, got ${describeValue(value)}`);
  if (value.length > MAX_EXCLUSIONS) throw invalid(field, `expected at most ${MAX_EXCLUSIONS} windows, got ${value.length}`);
  return value.map((item, index) => validateExclusion(item, `${field}[${index}]`));
}

const dayStartCache = new Map<string, number>();

/** The first instant of a calendar day in `zone` (after the gap when midnight is skipped). */
function startOfDayMs(zone: string, year: number, month: number, day: number): number {
  const key = `${zone}|${year}-${month}-${day}`;
  let cached = dayStartCache.get(key);
  if (cached === undefined) {
    const midnight: WallClock = { year, month, day, hour: 0, minute: 0, second: 0 };
    const instant = wallClockToInstants(zone, midnight)[0] ?? nextInstantAfterGap(zone, midnight)!;
    cached = instant.getTime();
    if (dayStartCache.size >= 1000) dayStartCache.clear();
    dayStartCache.set(key, cached);
  }
  return cached;
}

function boundaryMs(text: string, zone: string, side: 'from' | 'until'): number {
  const date = parsePlainDate(text);
  if (date === null) return Date.parse(text);
  if (side === 'from') return startOfDayMs(zone, date.year, date.month, date.day);
  const next = new Date(Date.UTC(date.year, date.month - 1, date.day + 1));
  return startOfDayMs(zone, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
}

/** The first window that suppresses `slot`, or null when the slot may fire. */
export function isExcluded(slot: Date, exclusions: readonly Exclusion[], scheduleTimezone: string): Exclusion | null {
  const slotMs = slot.getTime();
  for (const exclusion of exclusions) {
    if ('cron' in exclusion) {
      if (matchesCron(exclusion.cron, exclusion.timezone ?? scheduleTimezone, slot)) return exclusion;
      continue;
    }
    const fromMs = boundaryMs(exclusion.from, scheduleTimezone, 'from');
    const untilMs = boundaryMs(exclusion.until, scheduleTimezone, 'until');
    if (slotMs >= fromMs && slotMs < untilMs) return exclusion;
  }
  return null;
}
