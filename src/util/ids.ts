import { randomUUID } from 'node:crypto';

/** A new random (v4) UUID for rows whose id must be known before the insert. */
export const newId = (): string => randomUUID();

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID in canonical text form (so it can be compared with a uuid column). */
export const isUuid = (value: string): boolean => uuidPattern.test(value);
