/**
 * What every component of one Hourglass instance shares, built once by the composition root
 * (`hourglass.ts`) and passed down. Nothing here is global.
 */
import type { Database } from './db/database.js';
import type { SchemaName } from './db/schema-name.js';
import type { ResolvedConfig } from './config/schema.js';
import type { Registry } from './registry/registry.js';
import type { Clock } from './util/clock.js';
import type { EventBus } from './events.js';
import type { Logger } from './logger.js';

export interface Runtime {
  db: Database;
  schema: SchemaName;
  config: ResolvedConfig;
  registry: Registry;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  /** Wakes this process's worker (new runs) without a database round trip. */
  wakeWorker(): void;
  /** Wakes this process's scheduler (schedules changed). */
  wakeScheduler(): void;
  /** Random numbers for jitter; a seam for tests. */
  random(): number;
}

/** The NOTIFY payloads on the schema's channel. */
export const Notification = Object.freeze({
  runs: 'runs',
  schedules: 'schedules',
  cancelPrefix: 'cancel:',
} as const);
