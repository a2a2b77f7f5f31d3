/**
 * Pure: the facts one rule found in one pass → one message (title, examples with console links,
 * total). The message is what `notification_deliveries.payload` stores and what every channel
 * renders; grouping is here: 500 runs failing at once make one message listing a few of them.
 */
import type { NotificationEvent, NotificationRule } from '../config/notifications-schema.js';
import type { NotificationFact } from '../db/queries/notifications.js';

export type MessageKind = 'incident' | 'recovery';

export interface MessageExample {
  title: string;
  runId: string | null;
  scheduledJobId: string | null;
  scheduleKey: string | null;
  tenantId: string | null;
  jobType: string | null;
  detail: string | null;
  count: number | null;
  at: string | null;
  url: string | null;
}

export interface NotificationMessage {
  event: NotificationEvent;
  rule: string;
  kind: MessageKind;
  title: string;
  /** Facts in this message; `examples` lists the first few. */
  total: number;
  examples: MessageExample[];
  /** Link to the first example in the console. */
  url: string | null;
  at: string;
}

export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_DURATION_THRESHOLD_MS = 300_000;

export function ruleThreshold(rule: NotificationRule): number {
  if (rule.threshold !== undefined) return rule.threshold;
  return rule.on === 'consecutive_failures' ? DEFAULT_FAILURE_THRESHOLD : DEFAULT_DURATION_THRESHOLD_MS;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export function consoleLink(baseUrl: string, fact: Pick<NotificationFact, 'runId' | 'scheduledJobId'>): string | null {
  const base = baseUrl.replace(/\/+$/, '');
  if (fact.runId) return `${base}/#/runs/${fact.runId}`;
  if (fact.scheduledJobId) return `${base}/#/schedules/${fact.scheduledJobId}`;
  return null;
}

function titleFor(rule: NotificationRule, kind: MessageKind, facts: readonly NotificationFact[], total: number): string {
  const first = facts[0];
  const name = first ? `"${first.title}"` : '';
  const one = total === 1;
  const threshold = ruleThreshold(rule);
  if (kind === 'recovery') {
    switch (rule.on) {
      case 'worker_silent':
        return one ? `Worker ${first?.title ?? ''} is back or stopped` : `${total} silent workers are back or stopped`;
      case 'schedule_auto_paused':
        return one ? `Schedule ${name} is no longer paused` : `${total} auto-paused schedules are no longer paused`;
      default:
        return one ? `Schedule ${name} recovered` : `${total} schedules recovered`;
    }
  }
  switch (rule.on) {
    case 'run_failed':
      return one ? `Run of ${name} failed` : `${total} runs failed`;
    case 'consecutive_failures':
      return one ? `Schedule ${name} failed ${first?.count ?? threshold} times in a row` : `${total} schedules failed ${threshold} or more times in a row`;
    case 'schedule_auto_paused':
      return one ? `Schedule ${name} was paused automatically` : `${total} schedules were paused automatically`;
    case 'run_late':
      return one ? `Run of ${name} not started ${formatDuration(threshold)} after it was due` : `${total} runs not started ${formatDuration(threshold)} after they were due`;
    case 'slot_missed':
      return one ? `Schedule ${name} missed slots` : `${total} schedules missed slots`;
    case 'worker_silent':
      return one ? `Worker ${first?.title ?? ''} silent for more than ${formatDuration(threshold)}` : `${total} workers silent for more than ${formatDuration(threshold)}`;
    case 'run_too_long':
      return one ? `Run of ${name} running for more than ${formatDuration(threshold)}` : `${total} runs running for more than ${formatDuration(threshold)}`;
  }
}

/** The one message of a rule's facts in a pass, or null when there are none. */
export function buildMessage(rule: NotificationRule, kind: MessageKind, facts: readonly NotificationFact[], baseUrl: string, at: Date): NotificationMessage | null {
  if (facts.length === 0) return null;
  const total = facts[0]!.total;
  const examples = facts.map<MessageExample>((fact) => ({
    title: fact.title,
    runId: fact.runId,
    scheduledJobId: fact.scheduledJobId,
    scheduleKey: fact.scheduleKey,
    tenantId: fact.tenantId,
    jobType: fact.jobType,
    detail: fact.detail,
    count: fact.count,
    at: fact.at ? new Date(fact.at).toISOString() : null,
    url: consoleLink(baseUrl, fact),
  }));
  return { event: rule.on, rule: rule.name, kind, title: titleFor(rule, kind, facts, total), total, examples, url: examples[0]?.url ?? null, at: at.toISOString() };
}

/** Plain text for people (Slack, e-mail). */
export function renderText(message: NotificationMessage): string {
  const lines = [message.title];
  for (const example of message.examples) {
    const detail = example.detail ? `: ${example.detail}` : '';
    lines.push(`- ${example.title}${detail}${example.url ? ` (${example.url})` : ''}`);
  }
  const more = message.total - message.examples.length;
  if (more > 0) lines.push(`… and ${more} more`);
  lines.push(`Rule: ${message.rule} (${message.event})`);
  return lines.join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function renderHtml(message: NotificationMessage): string {
  const items = message.examples
    .map((example) => {
      const name = example.url ? `<a href="${escapeHtml(example.url)}">${escapeHtml(example.title)}</a>` : escapeHtml(example.title);
      return `<li>${name}${example.detail ? `: ${escapeHtml(example.detail)}` : ''}</li>`;
    })
    .join('');
  const more = message.total - message.examples.length;
  return [
    `<h2>${escapeHtml(message.title)}</h2>`,
    items ? `<ul>${items}</ul>` : '',
    more > 0 ? `<p>… and ${more} more</p>` : '',
    `<p><small>Rule: ${escapeHtml(message.rule)} (${message.event})</small></p>`,
  ].join('');
}

/** Slack mrkdwn: links as <url|text>. */
export function renderSlack(message: NotificationMessage): { text: string } {
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const icon = message.kind === 'recovery' ? ':white_check_mark:' : ':rotating_light:';
  const lines = [`${icon} *${esc(message.title)}*`];
  for (const example of message.examples) {
    const name = example.url ? `<${example.url}|${esc(example.title)}>` : esc(example.title);
    lines.push(`• ${name}${example.detail ? ` — ${esc(example.detail)}` : ''}`);
  }
  const more = message.total - message.examples.length;
  if (more > 0) lines.push(`… and ${more} more`);
  lines.push(`_Rule: ${esc(message.rule)}_`);
  return { text: lines.join('\n') };
}
