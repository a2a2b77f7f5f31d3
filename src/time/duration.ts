/**
 * Durations as people write them ("15m", "1h30m", "500ms", or a number of seconds) and as the
 * CLI shows them ("1h 30m", "250 ms", "12.3 s").
 *
 * Invariants: parsed durations are finite, non-negative whole milliseconds within
 * `Number.MAX_SAFE_INTEGER`; bad input is a `validation_error` naming the field and what was
 * expected. A bare number (or numeric string) means seconds, as in the SPEC's `*_seconds`.
 */

import { ErrorCode, HourglassError } from '../errors.js';

const UNIT_MS: Readonly<Record<string, number>> = Object.freeze({
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
});

const numberPattern = /^\d+(?:\.\d+)?$/;
/** One or more `<number><unit>` parts, optionally separated by spaces: "1h30m", "1h 30m". */
const partsPattern = /^(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w)\s*)+$/;
const partPattern = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/g;

const EXPECTED = 'expected seconds as a number, or a duration such as "500ms", "30s", "15m", "2h", "1d" or "1h30m"';

function invalid(field: string, got: unknown): HourglassError {
  const shown = typeof got === 'string' ? JSON.stringify(got) : String(got);
  return new HourglassError(ErrorCode.validationError, `${field}: ${EXPECTED}, got ${shown}`, { field });
}

function checked(ms: number, field: string, got: unknown): number {
  if (!Number.isFinite(ms) || ms < 0 || ms > Number.MAX_SAFE_INTEGER) throw invalid(field, got);
  return Math.round(ms);
}

/** Milliseconds from a number of seconds or a duration string. */
export function parseDurationMs(value: string | number, field = 'duration'): number {
  if (typeof value === 'number') return checked(value * 1000, field, value);
  if (typeof value !== 'string') throw invalid(field, value);
  const text = value.trim().toLowerCase();
  if (numberPattern.test(text)) return checked(Number(text) * 1000, field, value);
  if (!partsPattern.test(text)) throw invalid(field, value);
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(partPattern)) ms += Number(amount) * UNIT_MS[unit!]!;
  return checked(ms, field, value);
}

/** Whole seconds, for the SPEC's `*_seconds` columns; "1500ms" is refused rather than rounded. */
export function parseDurationSeconds(value: string | number, field = 'duration'): number {
  const ms = parseDurationMs(value, field);
  if (ms % 1000 !== 0) {
    throw new HourglassError(
      ErrorCode.validationError,
      `${field}: expected a whole number of seconds, got ${JSON.stringify(value)}`,
      { field },
    );
  }
  return ms / 1000;
}

/** "250 ms", "12.3 s", "1m 30s", "1h 30m", "2d 3h" (seconds dropped once hours are shown). */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDurationMs(-ms)}`;
  // Bounds sit where rounding would otherwise print "1000 ms" or "60 s".
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  if (ms < 59_950) return `${Number((ms / 1000).toFixed(1))} s`;
  const totalSeconds = Math.round(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts: Array<[number, string]> =
    days > 0 || hours > 0
      ? [[days, 'd'], [hours, 'h'], [minutes, 'm']]
      : [[minutes, 'm'], [seconds, 's']];
  const shown = parts.filter(([amount]) => amount > 0).map(([amount, unit]) => `${amount}${unit}`);
  return shown.join(' ');
}
