/**
 * The only translator from errors to HTTP: a `HourglassError` becomes its status and
 * `{"error": {"code", "message", "field"}}`; the framework's own request errors (body too
 * large, malformed JSON, wrong content type, rate limit) become the matching SPEC §6 codes;
 * anything else is a bug, logged with its stack and answered with a bare 500.
 */
import { ErrorCode, HourglassError, isHourglassError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ErrorWire } from './wire.js';

export interface ErrorResponse {
  status: number;
  body: ErrorWire;
  headers?: Record<string, string>;
}

function respond(error: HourglassError): ErrorResponse {
  return { status: error.status, body: { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } } };
}

/** Request errors the HTTP framework raises before a handler runs, by their error code. */
const frameworkErrors: Record<string, (message: string) => HourglassError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new HourglassError(ErrorCode.payloadTooLarge, 'request body too large: at most 1 MiB'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new HourglassError(ErrorCode.validationError, 'unsupported content type: expected application/json', { field: 'body' }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new HourglassError(ErrorCode.validationError, 'body: expected a JSON object, got an empty body', { field: 'body' }),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new HourglassError(ErrorCode.validationError, 'body: expected valid JSON', { field: 'body' }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new HourglassError(ErrorCode.validationError, 'body: its length does not match Content-Length', { field: 'body' }),
  FST_ERR_BAD_URL: () => new HourglassError(ErrorCode.validationError, 'malformed URL', { field: 'path' }),
};

export function toErrorResponse(error: unknown, logger: Logger, bodyLimitBytes: number): ErrorResponse {
  if (isHourglassError(error)) return respond(error);
  const framework = error as { code?: string; statusCode?: number; message?: string };
  const known = framework.code ? frameworkErrors[framework.code] : undefined;
  if (known) {
    const translated = known(framework.message ?? '');
    if (translated.code === ErrorCode.payloadTooLarge) {
      return respond(new HourglassError(ErrorCode.payloadTooLarge, `request body too large: at most ${bodyLimitBytes} bytes`));
    }
    return respond(translated);
  }
  // Other client errors the framework detects (malformed JSON, prototype poisoning, ...).
  if (typeof framework.statusCode === 'number' && framework.statusCode >= 400 && framework.statusCode < 500) {
    return respond(new HourglassError(ErrorCode.validationError, `bad request: ${framework.message ?? 'malformed request'}`, { field: 'body' }));
  }
  logger.error({ err: error }, 'unexpected error in the API');
  return { status: 500, body: { error: { code: ErrorCode.internalError, message: 'internal error: see the server log' } } };
}
