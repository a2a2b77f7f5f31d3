import { randomUUID } from 'node:crypto';

/** A new random (v4) UUID for rows whose id must be known before the insert. */
export const newId = (): string => randomUUID();
