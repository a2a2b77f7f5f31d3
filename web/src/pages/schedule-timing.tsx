/**
 * The form's live check of a schedule's timing, as you type (debounced): a cron expression and
 * zone go to `POST /cron/validate` (the server's reason when invalid, its words when valid)
 * and, while valid, to `POST /cron/preview` for the next 5 slots under the DST policies. An
 * interval or a single instant needs no server: its slots are computed here, and the zone is
 * checked against the browser's list.
 *
 * Answers that arrive after the input moved on are dropped (a ticket per request).
 */
import { useEffect, useRef, useState } from 'react';
import type { CronPreviewWire, CronValidateWire } from '../../../src/api/wire.js';
import { api } from '../api/client.js';
import { formatInstant, viewerZone } from '../format.js';
import { toApiError, useDebounced } from '../hooks.js';
import type { FieldErrors, ScheduleDraft } from './schedule-draft.js';

export const PREVIEW_COUNT = 5;

export interface TimingCheck {
  /** Errors for `cron_expression` and `timezone`. */
  errors: FieldErrors;
  /** The cron in words, when valid. */
  description: string | null;
  /** The next slots (ISO), or null when there are none to show. */
  slots: string[] | null;
  /** Why there are no slots, or how they were computed. */
  note: string | null;
  checking: boolean;
}

type TimingInput = Pick<ScheduleDraft, 'schedule_type' | 'cron_expression' | 'timezone' | 'interval_seconds' | 'run_at' | 'dst_gap' | 'dst_overlap'>;

/** Whether the browser knows the zone (the server's list is the same IANA database). */
export function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.trim() !== '';
  } catch {
    return false;
  }
}

export function useTimingCheck(draft: TimingInput): TimingCheck {
  const input: TimingInput = {
    schedule_type: draft.schedule_type,
    cron_expression: draft.cron_expression,
    timezone: draft.timezone,
    interval_seconds: draft.interval_seconds,
    run_at: draft.run_at,
    dst_gap: draft.dst_gap,
    dst_overlap: draft.dst_overlap,
  };
  const settled = useDebounced(JSON.stringify(input), 250);
  const [cron, setCron] = useState<TimingCheck>({ errors: {}, description: null, slots: null, note: null, checking: false });
  const ticket = useRef(0);
  const current = JSON.parse(settled) as TimingInput;

  useEffect(() => {
    const asked = JSON.parse(settled) as TimingInput;
    const mine = ++ticket.current;
    if (asked.schedule_type !== 'cron') return;
    if (asked.cron_expression.trim() === '') {
      setCron({ errors: {}, description: null, slots: null, note: 'Enter a cron expression to see its next runs.', checking: false });
      return;
    }
    setCron((previous) => ({ ...previous, checking: true }));
    void checkCron(asked).then((answer) => mine === ticket.current && setCron(answer));
  }, [settled]);

  return current.schedule_type === 'cron' ? cron : computeLocalTiming(current);
}

async function checkCron(input: TimingInput): Promise<TimingCheck> {
  const timezone = input.timezone.trim() || 'UTC';
  try {
    const validation = await api.post<CronValidateWire>('/cron/validate', { cron_expression: input.cron_expression, timezone });
    if (!validation.valid) {
      const field = validation.error.field === 'timezone' ? 'timezone' : 'cron_expression';
      return { errors: { [field]: validation.error.message }, description: null, slots: null, note: 'Fix the timing to see its next runs.', checking: false };
    }
    const preview = await api.post<CronPreviewWire>('/cron/preview', { cron_expression: input.cron_expression, timezone, count: PREVIEW_COUNT, dst_gap: input.dst_gap, dst_overlap: input.dst_overlap });
    return { errors: {}, description: validation.description, slots: preview.next_runs, note: null, checking: false };
  } catch (error) {
    return { errors: {}, description: null, slots: null, note: `Could not check the timing: ${toApiError(error).message}`, checking: false };
  }
}

/** Interval and once: the slots as the scheduler will place them, from the browser's clock. */
function computeLocalTiming(input: TimingInput): TimingCheck {
  const errors: FieldErrors = {};
  const zone = input.timezone.trim();
  if (!isKnownZone(zone)) errors.timezone = `unknown time zone "${zone}": expected an IANA name such as "Europe/London"`;
  const anchor = input.run_at ? new Date(input.run_at) : null;
  const now = Date.now();
  const none = (note: string): TimingCheck => ({ errors, description: null, slots: null, note, checking: false });

  if (input.schedule_type === 'once') {
    if (!anchor) return none('Choose when it runs.');
    if (anchor.getTime() <= now) return { ...none('That instant has passed: the missed-run policy decides whether it still runs.'), slots: [anchor.toISOString()] };
    return { errors, description: null, slots: [anchor.toISOString()], note: null, checking: false };
  }
  const seconds = Number(input.interval_seconds);
  if (!Number.isInteger(seconds) || seconds < 1) return none('Enter a number of seconds to see its next runs.');
  const stepMs = seconds * 1000;
  let first: number;
  if (!anchor) first = now + stepMs;
  else if (anchor.getTime() >= now) first = anchor.getTime();
  else first = anchor.getTime() + (Math.floor((now - anchor.getTime()) / stepMs) + 1) * stepMs;
  const slots = Array.from({ length: PREVIEW_COUNT }, (_, index) => new Date(first + index * stepMs).toISOString());
  const note = anchor ? 'Computed in your browser from Run at.' : 'Computed in your browser as if saved now: slots count from when it is saved.';
  return { errors, description: null, slots, note, checking: false };
}

/** The "Next runs" section: each slot in the schedule's zone and in the viewer's. */
export function NextRuns({ check, zone }: { check: TimingCheck; zone: string }) {
  const shownZone = isKnownZone(zone.trim()) ? zone.trim() : 'UTC';
  return (
    <section className="next-runs" aria-labelledby="next-runs-title" aria-busy={check.checking}>
      <h2 id="next-runs-title">Next runs</h2>
      {check.slots && check.slots.length > 0 ? (
        <ol aria-label="Next runs">
          {check.slots.map((at) => (
            <li key={at}>
              <time dateTime={at}>
                <span className="nowrap">{formatInstant(at, shownZone)}</span> <span className="muted">({shownZone})</span>
              </time>
              <span className="muted"> · </span>
              <span>
                <span className="nowrap">{formatInstant(at, viewerZone)}</span> <span className="muted">(your time)</span>
              </span>
            </li>
          ))}
        </ol>
      ) : null}
      {check.note ? <p className="hint">{check.note}</p> : null}
    </section>
  );
}
