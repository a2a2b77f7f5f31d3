/**
 * Channels: send one message, throw on failure (the delivery loop retries). Webhooks are
 * signed: `X-Hourglass-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with
 * `X-Hourglass-Timestamp` (Unix seconds), so receivers can check origin and reject replays.
 */
import { createHmac } from 'node:crypto';
import type { NotificationChannel } from '../config/notifications-schema.js';
import { renderHtml, renderSlack, renderText, type NotificationMessage } from './message.js';

export interface SendContext {
  deliveryId: string;
  timeoutMs: number;
  /** Unix time of the attempt (the signature's timestamp). */
  now: Date;
}

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw new Error(`HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
  await response.body?.cancel().catch(() => {});
}

export async function sendToChannel(channel: NotificationChannel, message: NotificationMessage, context: SendContext): Promise<void> {
  switch (channel.type) {
    case 'webhook': {
      const body = JSON.stringify({ id: context.deliveryId, ...message });
      const timestamp = String(Math.floor(context.now.getTime() / 1000));
      await post(channel.url, body, { 'x-hourglass-timestamp': timestamp, 'x-hourglass-signature': signWebhook(channel.secret, timestamp, body), 'x-hourglass-delivery': context.deliveryId }, context.timeoutMs);
      return;
    }
    case 'slack':
      await post(channel.webhookUrl, JSON.stringify(renderSlack(message)), {}, context.timeoutMs);
      return;
    case 'smtp': {
      // Loaded on demand: only a process that sends e-mail needs it (+11 MB RSS). Bad settings
      // still fail at start-up: the config schema checks them, not nodemailer.
      const { default: nodemailer } = await import('nodemailer');
      const transport = nodemailer.createTransport({
        host: channel.host,
        port: channel.port,
        secure: channel.secure,
        ...(channel.user ? { auth: { user: channel.user, pass: channel.password ?? '' } } : {}),
        connectionTimeout: context.timeoutMs,
        greetingTimeout: context.timeoutMs,
        socketTimeout: context.timeoutMs,
      });
      try {
        await transport.sendMail({ from: channel.from, to: channel.to, subject: `[Hourglass] ${message.title}`, text: renderText(message), html: renderHtml(message) });
      } finally {
        transport.close();
      }
      return;
    }
  }
}

/** Channel config as the API shows it: secrets, passwords and URL credentials/paths hidden. */
export function redactChannel(channel: NotificationChannel): Record<string, unknown> {
  const redactUrl = (raw: string, keepPath: boolean) => {
    try {
      const url = new URL(raw);
      url.username = url.username ? '***' : '';
      url.password = url.password ? '***' : '';
      if (!keepPath) url.pathname = '/***';
      for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, '***');
      return url.toString();
    } catch {
      return '***';
    }
  };
  switch (channel.type) {
    case 'webhook':
      return { type: 'webhook', url: redactUrl(channel.url, true), secret: '***' };
    case 'slack':
      // A Slack webhook URL's path is its secret.
      return { type: 'slack', webhookUrl: redactUrl(channel.webhookUrl, false) };
    case 'smtp':
      return { type: 'smtp', host: channel.host, port: channel.port, secure: channel.secure, user: channel.user ?? null, password: channel.password ? '***' : null, from: channel.from, to: channel.to };
  }
}
