/** Times and numbers as people read them: in the viewer's zone, with the schedule's alongside. */

export const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** "in 5 minutes", "3 hours ago", "now". */
export function formatRelative(at: Date | string, now: Date = new Date()): string {
  const ms = new Date(at).getTime() - now.getTime();
  if (Math.abs(ms) < 1000) return 'now';
  for (const [unit, size] of units) {
    if (Math.abs(ms) >= size || unit === 'second') return relative.format(Math.round(ms / size), unit);
  }
  return 'now';
}

/** `2026-03-08 02:30:00 CET` in `zone` (the viewer's by default). */
export function formatInstant(at: Date | string, zone: string = viewerZone): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(new Date(at));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${get('timeZoneName')}`;
}

/** 1234 → "1.2 s", 75_000 → "1 min 15 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

export function formatPercent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(rate >= 0.995 || rate === 0 ? 0 : 1)}%`;
}

/** Milliseconds between two instants, or null when either is missing. */
export function durationBetween(start: string | null, end: string | null): number | null {
  return start && end ? new Date(end).getTime() - new Date(start).getTime() : null;
}

/**
 * The last 8 characters of an id: enough to tell runs, schedules and workers apart on screen.
 * Hourglass's ids are time-ordered (version 7 UUIDs), so their beginnings are alike for
 * everything created in the same minute; their ends are random.
 */
export function shortId(id: string): string {
  return id.slice(-8);
}
