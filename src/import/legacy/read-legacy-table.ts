/**
 * Reading a legacy schedule table from any PostgreSQL database (through the storage seam, so
 * only `db/` knows the driver), and the value coercions the mappers share.
 *
 * The table (and schema) name comes from the command line, so it is checked to be a plain
 * identifier and quoted; anything else is refused rather than escaped. Rows come back ordered by
 * the first column (the id in every shape we know), so reports list rows in a stable order.
 * Columns of type `timestamp` without zone are read by the driver in the process's zone: prefer
 * `timestamptz`, or run the import with `TZ=UTC`.
 */
import type { Queryable } from '../../db/database.js';
import { ErrorCode, HourglassError } from '../../errors.js';

export type LegacyRow = Record<string, unknown>;

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** `"name"` for a plain identifier; a usage error for anything else. */
export function quoteIdentifier(name: string, field: string): string {
  if (!identifierPattern.test(name)) {
    throw new HourglassError(ErrorCode.validationError, `${field}: expected a plain identifier (letters, digits, _ and $, not starting with a digit), got "${name}"`, { field });
  }
  return `"${name}"`;
}

export interface LegacyTableName {
  /** @default the connection's search_path */
  schema?: string;
  table: string;
}

/** `schema.table` or `table`, as people (and `source_ref`) name it. */
export function describeTable(name: LegacyTableName): string {
  return name.schema ? `${name.schema}.${name.table}` : name.table;
}

export async function readLegacyTable(db: Queryable, name: LegacyTableName): Promise<LegacyRow[]> {
  const qualified = `${name.schema ? `${quoteIdentifier(name.schema, 'schema')}.` : ''}${quoteIdentifier(name.table, 'table')}`;
  try {
    const { rows } = await db.query(`select * from ${qualified} order by 1`);
    return rows;
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') {
      throw new HourglassError(ErrorCode.validationError, `table: "${describeTable(name)}" does not exist in the source database`, { field: 'table', cause: error });
    }
    throw error;
  }
}

/** A row the mapper cannot turn into a schedule; the message is the rejection reason. */
export class LegacyRowError extends Error {}

/** Fails the whole read when the table lacks columns its format needs (a wrong --format or table). */
export function assertColumns(rows: readonly LegacyRow[], required: readonly string[], format: string): void {
  const first = rows[0];
  if (!first) return;
  const missing = required.filter((column) => !(column in first));
  if (missing.length > 0) {
    throw new HourglassError(ErrorCode.validationError, `table: lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of the ${format} format`, { field: 'table' });
  }
}

export function readText(row: LegacyRow, column: string, required = false): string | null {
  const value = row[column];
  if (value === null || value === undefined || String(value).trim() === '') {
    if (required) throw new LegacyRowError(`${column}: missing`);
    return null;
  }
  return String(value).trim();
}

/** A JSON column: json/jsonb arrive parsed, text arrives as text. */
export function readJson(row: LegacyRow, column: string): unknown {
  const value = row[column];
  if (typeof value !== 'string') return value ?? null;
  if (value.trim() === '') return null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new LegacyRowError(`${column}: not valid JSON`);
  }
}

export function readJsonObject(row: LegacyRow, column: string): Record<string, unknown> {
  const value = readJson(row, column);
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new LegacyRowError(`${column}: expected a JSON object`);
  return value as Record<string, unknown>;
}

/** Integers (int8 and numeric arrive as text); undefined when the column is absent or null. */
export function readInteger(row: LegacyRow, column: string): number | undefined {
  const value = row[column];
  if (value === null || value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new LegacyRowError(`${column}: expected an integer, got ${JSON.stringify(value)}`);
  return number;
}

/** A number when the text is one (numeric columns arrive as text), else the value as it is. */
export function readScalar(row: LegacyRow, column: string): unknown {
  const value = row[column];
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return value ?? null;
}

/** Booleans, also from 0/1 and 't'/'f' columns; undefined when absent or null. */
export function readBoolean(row: LegacyRow, column: string): boolean | undefined {
  const value = row[column];
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['t', 'true', '1', 'y', 'yes'].includes(text)) return true;
  if (['f', 'false', '0', 'n', 'no'].includes(text)) return false;
  throw new LegacyRowError(`${column}: expected a boolean, got ${JSON.stringify(value)}`);
}

export function readInstant(row: LegacyRow, column: string): Date | null | undefined {
  if (!(column in row)) return undefined;
  const value = row[column];
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new LegacyRowError(`${column}: not a timestamp: ${JSON.stringify(value)}`);
  return date;
}

/** The row's identity in its table: the `id` column, or `fallback` when there is none. */
export function rowId(row: LegacyRow, fallback?: string): string {
  const id = readText(row, 'id') ?? (fallback ? readText(row, fallback) : null);
  if (id === null) throw new LegacyRowError(`id: missing${fallback ? ` (and no ${fallback})` : ''}`);
  return id;
}
