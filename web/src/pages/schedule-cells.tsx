/**
 * How a schedule reads in a table cell or a page header: its target (job type, group, all jobs,
 * a list) and its timing (cron in words with the expression, an interval, a single instant).
 * The list endpoint sends no words for a cron, so they come from `cronstrue` in the browser.
 */
import cronstrue from 'cronstrue';
import type { ScheduledJobWire } from '../../../src/api/wire.js';
import { formatInstant } from '../format.js';

/** "At 02:00 AM" for a cron expression, or null when cronstrue cannot read it. */
export function describeCronInWords(expression: string): string | null {
  try {
    return cronstrue.toString(expression, { throwExceptionOnParseError: true });
  } catch {
    return null;
  }
}

/** success / (success + failure), or null before the first finished run. */
export function computeSuccessRate(schedule: Pick<ScheduledJobWire, 'success_count' | 'failure_count'>): number | null {
  const finished = schedule.success_count + schedule.failure_count;
  return finished === 0 ? null : schedule.success_count / finished;
}

const LIST_PREVIEW = 2;

/** A job type name that may break after its underscores (`cleanup_<wbr>deleted_<wbr>accounts`). */
export function JobTypeName({ name }: { name: string | null }) {
  const parts = (name ?? '').split('_');
  return (
    <code>
      {parts.map((part, index) => (
        <span key={index}>
          {part}
          {index < parts.length - 1 ? (
            <>
              _<wbr />
            </>
          ) : null}
        </span>
      ))}
    </code>
  );
}

export function TargetText({ schedule }: { schedule: ScheduledJobWire }) {
  switch (schedule.execution_mode) {
    case 'single_job':
      return <JobTypeName name={schedule.job_type} />;
    case 'group':
      return (
        <span>
          group <JobTypeName name={schedule.job_group} />
        </span>
      );
    case 'all_jobs':
      return <span>all jobs</span>;
    case 'custom': {
      const types = schedule.job_types ?? [];
      const rest = types.length - LIST_PREVIEW;
      return (
        <span className="target-list" title={types.join(', ')}>
          {types.slice(0, LIST_PREVIEW).map((type) => (
            <JobTypeName key={type} name={type} />
          ))}
          {rest > 0 ? <span className="muted">+{rest} more</span> : null}
        </span>
      );
    }
  }
}

export function TimingText({ schedule }: { schedule: ScheduledJobWire }) {
  switch (schedule.schedule_type) {
    case 'cron': {
      const expression = schedule.cron_expression ?? '';
      const words = describeCronInWords(expression);
      return (
        <span className="timing">
          {words ? <span>{words}</span> : null}
          <code>{expression}</code>
        </span>
      );
    }
    case 'interval':
      return <span>every {schedule.interval_seconds} s</span>;
    case 'once':
      return <span>once at {schedule.run_at ? formatInstant(schedule.run_at, schedule.timezone) : '—'}</span>;
  }
}
