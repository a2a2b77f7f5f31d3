/**
 * The notifier's two passes, each callable on its own (tests drive them with a controlled
 * clock):
 * - detect: one transaction under a try-advisory-lock (one process detects at a time; others
 *   skip). Each rule's new facts since its watermark, or its newly opened and closed incidents,
 *   become ONE message per rule and kind, queued as one `notification_deliveries` row per
 *   channel. Nothing here touches the worker's path: it only reads what workers wrote.
 * - deliver: claims due deliveries (`skip locked`, with a lease), sends them outside any
 *   transaction, records delivered / retry with backoff / failed after `maxAttempts`.
 */
import type { Runtime } from '../runtime.js';
import type { NotificationRule } from '../config/notifications-schema.js';
import {
  claimDueDeliveries,
  closeIncidents,
  findTimedFacts,
  insertDelivery,
  markAttemptFailed,
  markDelivered,
  openIncidents,
  readWatermark,
  settledUntil,
  tryLockNotifier,
  writeWatermark,
  type ConditionEvent,
  type NotificationFact,
} from '../db/queries/notifications.js';
import type { Queryable } from '../db/database.js';
import { sqlNow } from '../util/clock.js';
import { computeBackoffMs } from '../util/backoff.js';
import { newId } from '../util/ids.js';
import { coerceError } from '../errors.js';
import { buildMessage, ruleThreshold, type MessageKind, type NotificationMessage } from './message.js';
import { sendToChannel } from './channels.js';

export interface DetectResult {
  /** False when another process held the detection lock. */
  ran: boolean;
  messages: number;
  deliveries: number;
}

export interface DeliverResult {
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
}

/** Events whose incidents are about runs: they end silently (no recovery message). */
const SILENT_CLOSE = new Set<string>(['run_late', 'run_too_long']);

export function consoleBaseUrl(runtime: Runtime): string {
  return runtime.config.api.publicUrl ?? `http://localhost:${runtime.config.port}`;
}

async function queue(tx: Queryable, runtime: Runtime, rule: NotificationRule, kind: MessageKind, facts: NotificationFact[], at: Date): Promise<number> {
  const message = buildMessage(rule, kind, facts, consoleBaseUrl(runtime), at);
  if (!message) return 0;
  const single = message.total === 1 ? facts[0] : undefined;
  const incidentKey = `${rule.name}:${kind}:${newId()}`;
  let inserted = 0;
  for (const channel of rule.channels) {
    const ok = await insertDelivery(
      tx,
      runtime.schema,
      { rule: rule.name, channel, incidentKey, runId: single?.runId ?? null, scheduledJobId: single?.scheduledJobId ?? facts[0]?.scheduledJobId ?? null, payload: message },
      sqlNow(runtime.clock),
    );
    if (ok) inserted += 1;
  }
  return inserted;
}

export async function detectPass(runtime: Runtime): Promise<DetectResult> {
  const { rules, settleMs } = runtime.config.notifications;
  if (rules.length === 0) return { ran: true, messages: 0, deliveries: 0 };
  const s = runtime.schema;
  const nowParam = sqlNow(runtime.clock);
  return runtime.db.transaction(async (tx) => {
    if (!(await tryLockNotifier(tx, s))) return { ran: false, messages: 0, deliveries: 0 };
    const { now, until } = await settledUntil(tx, nowParam, settleMs);
    let messages = 0;
    let deliveries = 0;
    const add = async (rule: NotificationRule, kind: MessageKind, facts: NotificationFact[]) => {
      if (facts.length === 0) return;
      messages += 1;
      deliveries += await queue(tx, runtime, rule, kind, facts, now);
    };
    for (const rule of rules) {
      if (rule.on === 'run_failed' || rule.on === 'slot_missed') {
        const after = await readWatermark(tx, s, rule.name, until);
        if (until > after) {
          await add(rule, 'incident', await findTimedFacts(tx, s, rule.on, after, until, rule.filter));
          await writeWatermark(tx, s, rule.name, until);
        }
        continue;
      }
      const event: ConditionEvent = rule.on;
      const threshold = ruleThreshold(rule);
      const closed = await closeIncidents(tx, s, event, rule.name, nowParam, threshold, rule.filter);
      if (!SILENT_CLOSE.has(event)) await add(rule, 'recovery', closed);
      await add(rule, 'incident', await openIncidents(tx, s, event, rule.name, nowParam, threshold, rule.filter));
    }
    return { ran: true, messages, deliveries };
  });
}

export async function deliverPass(runtime: Runtime, limit = 20): Promise<DeliverResult> {
  const config = runtime.config.notifications;
  const s = runtime.schema;
  // Longer than one send can take, so a live sender never sees its rows claimed twice.
  const leaseMs = config.timeoutMs * 2 + 5000;
  const claimed = await claimDueDeliveries(runtime.db, s, sqlNow(runtime.clock), limit, leaseMs);
  const result: DeliverResult = { claimed: claimed.length, delivered: 0, retrying: 0, failed: 0 };
  await Promise.all(
    claimed.map(async (delivery) => {
      const channel = config.channels[delivery.channel];
      let error: string;
      if (!channel) {
        error = `channel "${delivery.channel}" is no longer configured`;
      } else {
        try {
          await sendToChannel(channel, delivery.payload as unknown as NotificationMessage, { deliveryId: delivery.id, timeoutMs: config.timeoutMs, now: runtime.clock.now() });
          await markDelivered(runtime.db, s, delivery.id, sqlNow(runtime.clock));
          result.delivered += 1;
          return;
        } catch (thrown) {
          error = coerceError(thrown).message;
        }
      }
      const giveUp = !channel || delivery.attempts >= config.maxAttempts;
      const retryIn = giveUp ? null : computeBackoffMs(delivery.attempts, { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs }, runtime.random);
      await markAttemptFailed(runtime.db, s, delivery.id, error, sqlNow(runtime.clock), retryIn);
      if (giveUp) {
        result.failed += 1;
        runtime.logger.warn({ deliveryId: delivery.id, rule: delivery.rule, channel: delivery.channel, attempts: delivery.attempts, err: error }, 'notification delivery failed for good');
      } else {
        result.retrying += 1;
      }
    }),
  );
  return result;
}
