/**
 * The live feed behind `GET /events`. One hub per API process LISTENs on the schema's events
 * channel, which database triggers feed for every run and schedule change made by any process
 * (migration 0002), so several API processes all stream the whole cluster. The hub turns each
 * notification into typed events and hands every subscriber the ones its tenant may see.
 *
 * The triggers fire only while some API process has clients (migration 0005): the hub keeps a
 * row in `event_subscribers` while it has subscribers, so a cluster nobody watches pays nothing
 * for live events. A subscription counts once its row is committed; changes a statement made
 * before that are not streamed to it.
 *
 * Events are a live view, not a log: a client reloads its lists at each `ready` (its first
 * connection and every reconnection; the console does) rather than replaying what it missed.
 * A `*.bulk_changed` event (a statement that touched more than 50 runs or 200 schedules)
 * likewise means "reload".
 */
import type { Runtime } from '../runtime.js';
import { coerceError } from '../errors.js';
import { newId } from '../util/ids.js';
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

/** How long a hub's registration stands without renewal, and how often it is renewed. */
const DEMAND_TTL_MS = 60_000;
const DEMAND_RENEW_MS = 20_000;

/**
 * This process's row in `event_subscribers`. Registrations and removals run one after another,
 * so a subscriber arriving while the last one leaves is registered after the removal.
 */
function createDemand(runtime: Runtime) {
  const table = `${runtime.schema.quoted}.event_subscribers`;
  // Registers (or renews) this hub and drops rows whose process stopped renewing them.
  const registerSql = `with expired as (delete from ${table} where expires_at < now())
    insert into ${table} (id, expires_at) values ($1, now() + $2 * interval '1 millisecond')
    on conflict (id) do update set expires_at = excluded.expires_at`;
  const id = newId();
  let renewal: NodeJS.Timeout | null = null;
  let chain: Promise<unknown> = Promise.resolve();
  const inTurn = (step: () => Promise<unknown>): Promise<void> => {
    const next = chain.then(step, step);
    chain = next.catch(() => {});
    return next.then(() => {});
  };
  const register = () => runtime.db.query(registerSql, [id, DEMAND_TTL_MS]);

  return {
    /** Resolves once this hub's registration is committed. */
    want(): Promise<void> {
      renewal ??= setInterval(() => {
        inTurn(register).catch((error: unknown) => runtime.logger.warn({ err: coerceError(error).message }, 'renewing the live events registration failed'));
      }, DEMAND_RENEW_MS).unref();
      return inTurn(register);
    },
    drop(): Promise<void> {
      if (renewal) clearInterval(renewal);
      renewal = null;
      return inTurn(() => runtime.db.query(`delete from ${table} where id = $1`, [id]));
    },
  };
}

export function createEventHub(runtime: Runtime) {
  const subscribers = new Set<Subscriber>();
  const demand = createDemand(runtime);
  let unlisten: (() => Promise<void>) | null = null;

  function leave(subscriber: Subscriber): void {
    if (!subscribers.delete(subscriber) || subscribers.size > 0) return;
    demand.drop().catch((error: unknown) => runtime.logger.warn({ err: coerceError(error).message }, 'removing the live events registration failed'));
  }

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
    /** Resolves once the subscriber gets every change committed from then on. */
    async subscribe(actor: Actor, send: (event: LiveEventWire) => void): Promise<() => void> {
      const subscriber = { actor, send };
      subscribers.add(subscriber);
      try {
        await demand.want();
      } catch (error) {
        leave(subscriber);
        throw error;
      }
      return () => leave(subscriber);
    },
    get size(): number {
      return subscribers.size;
    },
    async stop(): Promise<void> {
      const had = subscribers.size > 0;
      subscribers.clear();
      if (had) await demand.drop().catch(() => {});
      await unlisten?.().catch(() => {});
      unlisten = null;
    },
  };
}

export type EventHub = ReturnType<typeof createEventHub>;
