import { randomUUID } from 'node:crypto';

/**
 * A new time-ordered (version 7) UUID for rows whose id must be known before the insert: the
 * first 48 bits are the Unix time in milliseconds, the rest random (RFC 9562). Runs enqueued or
 * fired together get neighbouring ids, so the primary key takes them at its right edge and a
 * batch of claims or outcomes touches a few index pages instead of one page per run.
 */
export function newId(): string {
  const now = Date.now();
  if (now !== prefixMs) {
    const time = now.toString(16).padStart(12, '0');
    prefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
    prefixMs = now;
  }
  return prefix + randomUUID().slice(15);
}

/** The time part of the ids of the current millisecond (formatting it per id cost 1 µs). */
let prefixMs = -1;
let prefix = '';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID in canonical text form (so it can be compared with a uuid column). */
export const isUuid = (value: string): boolean => uuidPattern.test(value);
