/**
 * The live feed behind `GET /events`. One hub per API process LISTENs on the schema's events
 * channel, which database triggers feed for every run and schedule change made by any process
 * (migration 0002), so several API processes all stream the whole cluster. The hub turns each
 * notification into typed events and hands every subscriber the ones its tenant may see.
 *
 * Events are a live view, not a log: a client that reconnects reloads its lists (the console
 * does) rather than replaying what it missed. A `*.bulk_changed` event (a statement that
 * touched more than 200 rows) likewise means "reload".
 */
import type { Runtime } from '../runtime.js';
import { canSee, type Actor } from '../services/actor.js';
import type { LiveEventWire } from './wire.js';

type Subscriber = { actor: Actor; send: (event: LiveEventWire) => void };

interface RunChange {
  id: string;
  status: string;
  previous_status: string | null;
  tenant_id: string | null;
  job_type: string;
  scheduled_job_id: string | null;
  batch_id: string | null;
}

interface ScheduleChange {
  id: string;
  change: 'created' | 'updated' | 'deleted';
  status: string;
  previous_status: string | null;
  tenant_id: string | null;
}

type Notification = { entity: 'run' | 'schedule'; bulk?: number; rows?: Array<RunChange | ScheduleChange> };

const finished = new Set(['completed', 'failed', 'cancelled', 'skipped']);

function runEventType(change: RunChange): LiveEventWire['type'] {
  if (change.previous_status === null) return 'run.created';
  if (change.status === 'running') return 'run.started';
  if (finished.has(change.status)) return 'run.finished';
  return 'run.status_changed';
}

/** The events one notification carries. */
export function toLiveEvents(payload: string): LiveEventWire[] {
  let notification: Notification;
  try {
    notification = JSON.parse(payload) as Notification;
  } catch {
    return [];
  }
  if (notification.bulk !== undefined) {
    return [{ type: notification.entity === 'run' ? 'runs.bulk_changed' : 'schedules.bulk_changed', count: notification.bulk }];
  }
  return (notification.rows ?? []).map((row) =>
    notification.entity === 'run'
      ? { type: runEventType(row as RunChange), ...(row as RunChange) }
      : (({ change, ...rest }) => ({ type: `schedule.${change}` as const, ...rest }))(row as ScheduleChange),
  );
}

export function eventsChannel(runtime: Runtime): string {
  return `${runtime.schema.channel}_events`;
}

export function createEventHub(runtime: Runtime) {
  const subscribers = new Set<Subscriber>();
  let unlisten: (() => Promise<void>) | null = null;

  function dispatch(payload: string): void {
    for (const event of toLiveEvents(payload)) {
      for (const subscriber of subscribers) {
        // Bulk summaries carry no tenant data and reach everyone.
        if (event.tenant_id === undefined || canSee(subscriber.actor, event.tenant_id)) subscriber.send(event);
      }
    }
  }

  return {
    async start(): Promise<void> {
      unlisten ??= await runtime.db.listen(eventsChannel(runtime), dispatch);
    },
    subscribe(actor: Actor, send: (event: LiveEventWire) => void): () => void {
      const subscriber = { actor, send };
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    },
    get size(): number {
      return subscribers.size;
    },
    async stop(): Promise<void> {
      subscribers.clear();
      await unlisten?.().catch(() => {});
      unlisten = null;
    },
  };
}

export type EventHub = ReturnType<typeof createEventHub>;
