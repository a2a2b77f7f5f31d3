/**
 * Logging: pino, pretty-printed when writing to a terminal and JSON lines otherwise, so a
 * person at a terminal and a log shipper both get what they need.
 */
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** File descriptor: 1 (stdout) for daemons, 2 (stderr) for one-shot commands whose stdout is their result. @default 1 */
  destination?: 1 | 2;
  /** @default true when the destination is a terminal */
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? 1;
  const usePretty = options.pretty ?? Boolean((destination === 1 ? process.stdout : process.stderr).isTTY);
  if (!usePretty) return pino({ level: options.level, base: { pid: process.pid } }, pino.destination({ dest: destination, sync: true }));
  // Loaded on demand (synchronously: createLogger is sync): a daemon logging JSON never needs it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return pino(
    { level: options.level, base: undefined },
    pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true, destination }),
  );
}

/** A logger that drops everything (library default when no logger is given and level is silent). */
export const silentLogger: Logger = pino({ level: 'silent' });
