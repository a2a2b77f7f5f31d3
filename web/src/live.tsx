/**
 * Live updates: one `EventSource` on `/api/admin/events` for the whole console (browsers cannot
 * set headers on it, so the token goes as `access_token`). Pages subscribe with `useLiveEvents`
 * and usually just reload what they show; bulk events (many rows at once) mean "reload".
 * Changes made while the stream was not connected are not replayed, so each `ready` (the first
 * connection and every reconnection) tells the pages to reload, as bulk events do.
 */
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { LiveEventWire } from '../../src/api/wire.js';
import { API_BASE } from './api/client.js';
import { getToken } from './session.js';

type Listener = (event: LiveEventWire) => void;

interface LiveHub {
  subscribe(listener: Listener): () => void;
  connected: boolean;
}

const LiveContext = createContext<LiveHub>({ subscribe: () => () => {}, connected: false });

const EVENT_TYPES: LiveEventWire['type'][] = ['run.created', 'run.started', 'run.finished', 'run.status_changed', 'schedule.created', 'schedule.updated', 'schedule.deleted', 'runs.bulk_changed', 'schedules.bulk_changed'];

const RELOAD_ALL: LiveEventWire[] = [
  { type: 'runs.bulk_changed', count: 0 },
  { type: 'schedules.bulk_changed', count: 0 },
];

export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const listeners = useRef(new Set<Listener>());
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    const source = new EventSource(`${API_BASE}/events?access_token=${encodeURIComponent(getToken() ?? '')}`);
    const emit = (event: LiveEventWire) => listeners.current.forEach((listener) => listener(event));
    const onEvent = (message: MessageEvent<string>) => emit(JSON.parse(message.data) as LiveEventWire);
    source.addEventListener('ready', () => {
      setConnected(true);
      RELOAD_ALL.forEach(emit);
    });
    source.addEventListener('error', () => setConnected(source.readyState === EventSource.OPEN));
    for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
    return () => source.close();
  }, []);

  const hub = useRef<LiveHub>({ subscribe: () => () => {}, connected: false });
  hub.current = {
    connected,
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  };
  return <LiveContext.Provider value={hub.current}>{children}</LiveContext.Provider>;
}

/** Calls `onEvent` for every live event whose type starts with one of `prefixes` (`'run'`, `'schedule'`). */
export function useLiveEvents(prefixes: Array<'run' | 'schedule'>, onEvent: Listener): void {
  const { subscribe } = useContext(LiveContext);
  const saved = useRef(onEvent);
  saved.current = onEvent;
  const key = prefixes.join(',');
  useEffect(
    () =>
      subscribe((event) => {
        if (key.split(',').some((prefix) => event.type.startsWith(prefix))) saved.current(event);
      }),
    [subscribe, key],
  );
}

export function useLiveConnected(): boolean {
  return useContext(LiveContext).connected;
}
