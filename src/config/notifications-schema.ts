/**
 * The `notifications` options: rules (which facts produce a message) and channels (where
 * messages go). A rule naming an unknown channel is a configuration error.
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();

export const NOTIFICATION_EVENTS = ['run_failed', 'consecutive_failures', 'schedule_auto_paused', 'run_late', 'slot_missed', 'worker_silent', 'run_too_long'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const notificationRuleSchema = z.strictObject({
  /** Unique name, shown in messages and recorded in `notification_deliveries.rule`. */
  name: z.string().min(1).max(100).describe('Rule name (unique)'),
  /** The fact that triggers it. */
  on: z.enum(NOTIFICATION_EVENTS).describe('run_failed | consecutive_failures | schedule_auto_paused | run_late | slot_missed | worker_silent | run_too_long'),
  /**
   * consecutive_failures: failures in a row (default 3); run_late, worker_silent, run_too_long:
   * milliseconds (default 300000); ignored by the other events.
   */
  threshold: positiveInt.optional().describe('N failures in a row, or a duration in ms (late, silent, too long)'),
  /** Only facts of this tenant, job type or schedule (by key). */
  filter: z
    .strictObject({
      tenantId: z.string().min(1).optional(),
      jobType: z.string().min(1).optional(),
      scheduleKey: z.string().min(1).optional(),
    })
    .optional()
    .describe('Only facts of this tenant, job type or schedule key'),
  /** Channel names (keys of `notifications.channels`). */
  channels: z.array(z.string().min(1)).min(1).describe('Channels that receive the message'),
});

export const notificationChannelSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('webhook'),
    url: z.url(),
    /** HMAC-SHA256 key of the `X-Hourglass-Signature` header. */
    secret: z.string().min(1),
  }),
  z.strictObject({ type: z.literal('slack'), webhookUrl: z.url() }),
  z.strictObject({
    type: z.literal('smtp'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the start (port 465); otherwise STARTTLS when offered. @default false */
    secure: z.boolean().default(false),
    user: z.string().optional(),
    password: z.string().optional(),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
  }),
]);

export const notificationsConfigSchema = z
  .strictObject({
    /** Runs the notifier (detection and delivery loops) in this process. @default true */
    enabled: z.boolean().default(true).describe('Run the notifier in this process (one detects at a time across the cluster)'),
    /** How often the database is checked for new facts and due deliveries. @default 10000 */
    pollMs: positiveInt.default(10_000).describe('Notifier pass interval (ms)'),
    /** Facts younger than this wait for the next pass, so late commits are not skipped. @default 2000 */
    settleMs: z.number().int().min(0).default(2000).describe('Facts younger than this (ms) wait for the next pass'),
    /** First delivery retry delay, doubled per attempt. @default 5000 */
    retryBaseMs: positiveInt.default(5000).describe('First delivery retry delay (ms), doubled per attempt'),
    /** Longest delivery retry delay. @default 600000 */
    retryMaxMs: positiveInt.default(600_000).describe('Longest delivery retry delay (ms)'),
    /** Attempts before a delivery is given up as failed. @default 8 */
    maxAttempts: positiveInt.default(8).describe('Delivery attempts before giving up'),
    /** Time allowed for one send. @default 10000 */
    timeoutMs: positiveInt.default(10_000).describe('Timeout of one delivery attempt (ms)'),
    rules: z.array(notificationRuleSchema).default([]).describe('Notification rules'),
    channels: z.record(z.string().min(1), notificationChannelSchema).default({}).describe('Notification channels by name'),
  })
  .superRefine((value, ctx) => {
    const names = new Set<string>();
    value.rules.forEach((rule, index) => {
      if (names.has(rule.name)) ctx.addIssue({ code: 'custom', message: `duplicate rule name "${rule.name}"`, path: ['rules', index, 'name'] });
      names.add(rule.name);
      rule.channels.forEach((channel, c) => {
        if (!Object.hasOwn(value.channels, channel)) ctx.addIssue({ code: 'custom', message: `unknown channel "${channel}" (define it under notifications.channels)`, path: ['rules', index, 'channels', c] });
      });
    });
  });

export type NotificationsConfig = z.output<typeof notificationsConfigSchema>;
export type NotificationRule = z.output<typeof notificationRuleSchema>;
export type NotificationChannel = z.output<typeof notificationChannelSchema>;

export const NOTIFICATIONS_DEFAULTS = {
  enabled: true,
  pollMs: 10_000,
  settleMs: 2000,
  retryBaseMs: 5000,
  retryMaxMs: 600_000,
  maxAttempts: 8,
  timeoutMs: 10_000,
  rules: [],
  channels: {},
} satisfies NotificationsConfig;
