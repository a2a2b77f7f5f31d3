/**
 * Logging: pino, pretty-printed when writing to a terminal and JSON lines otherwise, so a
 * person at a terminal and a log shipper both get what they need.
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** @default true when stdout is a terminal */
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const usePretty = options.pretty ?? Boolean(process.stdout.isTTY);
  if (!usePretty) return pino({ level: options.level, base: { pid: process.pid } });
  return pino(
    { level: options.level, base: undefined },
    pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }),
  );
}

/** A logger that drops everything (library default when no logger is given and level is silent). */
export const silentLogger: Logger = pino({ level: 'silent' });
