/**
 * The schema name is validated once and quoted once; every statement then embeds the quoted
 * form. Only lowercase identifiers are allowed so the NOTIFY channel derived from it is a plain
 * identifier on both backends.
 */
import { ErrorCode, HourglassError } from '../errors.js';

const pattern = /^[a-z_][a-z0-9_]{0,47}$/;

export interface SchemaName {
  /** As configured, e.g. `hourglass`. */
  readonly name: string;
  /** Quoted for SQL, e.g. `"hourglass"`. */
  readonly quoted: string;
  /** The NOTIFY channel of this schema. */
  readonly channel: string;
}

export function createSchemaName(name: string): SchemaName {
  if (!pattern.test(name)) {
    throw new HourglassError(
      ErrorCode.invalidConfig,
      `invalid schema name "${name}": expected lowercase letters, digits and underscores, starting with a letter or underscore (at most 48 characters)`,
      { field: 'schema' },
    );
  }
  return Object.freeze({ name, quoted: `"${name}"`, channel: `hourglass_${name}` });
}
