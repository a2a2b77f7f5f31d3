/**
 * The one error type of Hourglass.
 *
 * Every failure that a caller can act on is a `HourglassError` with a stable snake_case `code`
 * (SPEC §6), the HTTP status it maps to, and, for bad input, the `field` it concerns. The REST
 * layer translates these into `{"error": {"code", "message", "field"}}`; the CLI into exit
 * codes. Anything else that escapes is a bug and is reported as `internal_error`.
 */

export const ErrorCode = Object.freeze({
  validationError: 'validation_error',
  invalidCron: 'invalid_cron',
  invalidTimezone: 'invalid_timezone',
  unknownJobType: 'unknown_job_type',
  unknownJobGroup: 'unknown_job_group',
  invalidRegistry: 'invalid_registry',
  invalidConfig: 'invalid_config',
  readOnlySchedule: 'read_only_schedule',
  notFound: 'not_found',
  conflict: 'conflict',
  invalidState: 'invalid_state',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  payloadTooLarge: 'payload_too_large',
  rateLimited: 'rate_limited',
  databaseLocked: 'database_locked',
  schemaTooNew: 'schema_too_new',
  internalError: 'internal_error',
} as const);
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const statusByCode: Record<ErrorCode, number> = {
  validation_error: 400,
  invalid_cron: 400,
  invalid_timezone: 400,
  unknown_job_type: 400,
  unknown_job_group: 400,
  invalid_registry: 500,
  invalid_config: 500,
  read_only_schedule: 409,
  not_found: 404,
  conflict: 409,
  invalid_state: 409,
  unauthorized: 401,
  forbidden: 403,
  payload_too_large: 413,
  rate_limited: 429,
  database_locked: 409,
  schema_too_new: 500,
  internal_error: 500,
};

export interface HourglassErrorOptions {
  /** The input field the error concerns, as the caller named it (e.g. `cron_expression`). */
  field?: string;
  cause?: unknown;
  /** Extra machine-readable detail (e.g. the versions of a schema mismatch). */
  details?: Record<string, unknown>;
}

export class HourglassError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: HourglassErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HourglassError';
    this.code = code;
    this.status = statusByCode[code];
    this.field = options.field;
    this.details = options.details;
  }
}

/**
 * Thrown by a handler to fail its run at once, without the retries that remain (the BullMQ
 * `UnrecoverableError` idea): for input that will never succeed.
 */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

export function isHourglassError(error: unknown, code?: ErrorCode): error is HourglassError {
  return error instanceof HourglassError && (code === undefined || error.code === code);
}

/** Turns anything thrown into an `Error`, so messages and stacks can be recorded uniformly. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(JSON.stringify(thrown));
  } catch {
    return new Error(String(thrown));
  }
}
