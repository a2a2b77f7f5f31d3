/**
 * `hourglass cron EXPR [--tz ZONE] [-n N] [--from ISO] [--json]`: explains a cron expression
 * and lists its next slots in UTC and in the zone, with the DST rules of a schedule. Needs no
 * database. An invalid expression, zone or option exits 2 with the reason on stderr.
 */
import { ErrorCode, HourglassError } from '../../errors.js';
import { describeCron, nextCronSlots, validateCron } from '../../time/cron.js';
import { assertTimezone, formatInZone } from '../../time/zones.js';
import type { Command } from './index.js';

const MAX_COUNT = 1000;

function parseCount(raw: string | undefined): number {
  if (raw === undefined) return 5;
  const count = Number(raw);
  if (!/^\d+$/.test(raw) || count < 1 || count > MAX_COUNT) {
    throw new HourglassError(ErrorCode.validationError, `-n: expected a whole number from 1 to ${MAX_COUNT}, got "${raw}"`, { field: 'n' });
  }
  return count;
}

function parseFrom(raw: string | undefined): Date {
  if (raw === undefined) return new Date();
  const from = new Date(raw);
  if (Number.isNaN(from.getTime())) throw new HourglassError(ErrorCode.validationError, `--from: expected an ISO instant such as 2026-03-08T00:00:00Z, got "${raw}"`, { field: 'from' });
  return from;
}

export const cronCommand: Command = {
  summary: 'describe a cron expression and list its next slots',
  usage: [
    'Usage: hourglass cron EXPR [--tz ZONE] [-n N] [--from ISO] [--json]',
    '',
    '  --tz ZONE     IANA time zone the expression is read in (default UTC)',
    '  -n N          how many slots (default 5, at most 1000)',
    '  --from ISO    list slots after this instant (default now)',
    '  --dst-gap shift|skip, --dst-overlap first|last|both   DST rules (defaults shift, first)',
    '  --json        {"description", "next_runs": [ISO UTC, ...]}',
    '',
    'Example: hourglass cron "30 2 * * *" --tz America/New_York -n 3 --from 2026-03-07T00:00:00Z',
  ].join('\n'),
  options: {
    tz: { type: 'string' },
    n: { type: 'string', short: 'n' },
    from: { type: 'string' },
    'dst-gap': { type: 'string' },
    'dst-overlap': { type: 'string' },
  },
  async run({ values, positionals, output, json }) {
    if (positionals.length !== 1) {
      throw new HourglassError(ErrorCode.validationError, `expected one cron expression (quote it), got ${positionals.length} arguments`, { field: 'expression' });
    }
    const expression = validateCron(positionals[0], 'expression');
    const timezone = assertTimezone(values.tz ?? 'UTC', 'tz');
    const dstGap = (values['dst-gap'] as string | undefined) ?? 'shift';
    const dstOverlap = (values['dst-overlap'] as string | undefined) ?? 'first';
    if (dstGap !== 'shift' && dstGap !== 'skip') throw new HourglassError(ErrorCode.validationError, `--dst-gap: expected shift or skip, got "${dstGap}"`);
    if (!['first', 'last', 'both'].includes(dstOverlap)) throw new HourglassError(ErrorCode.validationError, `--dst-overlap: expected first, last or both, got "${dstOverlap}"`);
    const slots = nextCronSlots({ expression, timezone, dstGap, dstOverlap: dstOverlap as 'first' | 'last' | 'both' }, parseFrom(values.from as string | undefined), parseCount(values.n as string | undefined));
    const description = describeCron(expression);
    if (json) {
      output.json({ description, next_runs: slots.map((slot) => slot.toISOString()) });
      return 0;
    }
    output.line(`${expression}: ${description}${timezone === 'UTC' ? '' : ` (${timezone})`}`);
    if (slots.length === 0) output.line('no upcoming slots');
    const rows = slots.map((slot) => ({ utc: slot.toISOString(), [timezone]: formatInZone(slot, timezone) }));
    if (rows.length > 0) output.table(rows, timezone === 'UTC' ? ['utc'] : ['utc', timezone]);
    return 0;
  },
};
