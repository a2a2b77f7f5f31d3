/**
 * Opaque list cursors: the keyset of the last row, base64url-encoded JSON. A cursor that does
 * not decode is a `validation_error` on `cursor`, never a 500.
 */
import { ErrorCode, HourglassError } from '../errors.js';

export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): string[] {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === arity && values.every((value) => typeof value === 'string')) return values;
  } catch {
    // fall through to the error below
  }
  throw invalidCursor();
}

export function invalidCursor(): HourglassError {
  return new HourglassError(ErrorCode.validationError, 'cursor: expected a cursor returned by a previous page', { field: 'cursor' });
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
