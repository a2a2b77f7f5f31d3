/**
 * Row mapping shared by the query modules: snake_case columns to camelCase properties, with
 * the key conversions cached (rows of one table repeat the same keys).
 */
import { camelCase } from '../../util/case.js';

const keyCache = new Map<string, string>();

function camelKey(key: string): string {
  let camel = keyCache.get(key);
  if (camel === undefined) {
    camel = camelCase(key);
    keyCache.set(key, camel);
  }
  return camel;
}

export function camelizeRow<T>(row: Record<string, unknown>): T {
  const mapped: Record<string, unknown> = {};
  for (const key in row) mapped[camelKey(key)] = row[key];
  return mapped as T;
}

export function camelizeRows<T>(rows: readonly Record<string, unknown>[]): T[] {
  return rows.map((row) => camelizeRow<T>(row));
}
