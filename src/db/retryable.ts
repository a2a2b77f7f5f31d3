/**
 * Classifies database errors for the loops: a connection or availability problem is retried
 * with backoff (the process never exits over it); anything else is a bug or a schema problem,
 * logged with its remedy and also retried, but more slowly.
 */

// SQLSTATE classes and codes that mean "the database is (temporarily) not there".
const transientSqlStates = new Set([
  '08000', '08001', '08003', '08004', '08006', '08007', '08P01', // connection exceptions
  '57P01', '57P02', '57P03', // admin shutdown, crash shutdown, cannot connect now
  '53300', // too many connections
  '40001', '40P01', // serialization failure, deadlock: safe to retry the transaction
  '55P03', // lock not available
]);

const transientErrnos = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

const transientMessages = [
  'Connection terminated',
  'connection terminated',
  'Client has encountered a connection error',
  'timeout exceeded when trying to connect',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end',
];

export function isTransientDatabaseError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (transientSqlStates.has(code) || transientErrnos.has(code))) return true;
  return typeof message === 'string' && transientMessages.some((text) => message.includes(text));
}

/** A short remedy for the log line of a loop that hit `error`. */
export function describeDatabaseError(error: unknown): string {
  if (isTransientDatabaseError(error)) return 'database unavailable; retrying with backoff until it answers';
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '42P01' || code === '3F000') return 'a table or schema is missing; run `hourglass migrate`';
  return 'unexpected database error; retrying with backoff';
}
