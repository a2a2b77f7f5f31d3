/**
 * Data hooks. `useResource` keeps the last answer on screen while it reloads (no layout jumps
 * when data arrives); `reload()` refetches, e.g. when a live event says something changed.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { PageWire } from '../../src/api/wire.js';
import { api, ApiError } from './api/client.js';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** True until the first answer (or error) arrives. */
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (relative to `/api/admin`); null waits. Refetches when `path` changes. */
export function useResource<T>(path: string | null): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean; path: string | null }>({ loading: true, path });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    if (path === null) return;
    const ticket = ++latest.current;
    api.get<T>(path).then(
      (data) => ticket === latest.current && setState({ data, loading: false, path }),
      (error: unknown) => ticket === latest.current && setState((previous) => ({ ...previous, error: toApiError(error), loading: false, path })),
    );
  }, [path, generation]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { data: state.data, error: state.error, loading: state.loading && state.data === undefined && state.error === undefined, reload };
}

export function toApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, 'client_error', error instanceof Error ? error.message : String(error));
}

/** Calls `callback` at most once per `ms`, with the last arguments (trailing). */
export function useThrottled(callback: () => void, ms: number): () => void {
  const saved = useRef(callback);
  saved.current = callback;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      saved.current();
    }, ms);
  }, [ms]);
}

/** `value`, once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/** Re-renders every `ms` (relative times stay true). */
export function useNow(ms = 15_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export interface Pages<T> {
  items: T[];
  error: ApiError | undefined;
  /** True until the first page arrives. */
  loading: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  /** Refreshes the first page (pages loaded with "Load more" stay). */
  reload: () => void;
}

/**
 * A list endpoint's first page (reloadable, kept on screen while reloading) plus the pages
 * "Load more" appended by cursor. A new `path` (other filters) starts over; a row that a
 * reload moved between pages shows once.
 */
export function usePages<T extends { id: string | number }>(path: string): Pages<T> {
  const first = useResource<PageWire<T>>(path);
  const [extra, setExtra] = useState<{ path: string; items: T[]; cursor: string | null }>({ path, items: [], cursor: null });
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<ApiError | undefined>();
  const appended = extra.path === path ? extra : { path, items: [], cursor: null };
  const cursor = appended.items.length > 0 ? appended.cursor : (first.data?.next_cursor ?? null);

  const loadMore = useCallback(() => {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreError(undefined);
    api.get<PageWire<T>>(`${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`).then(
      (page) => {
        setExtra((previous) => ({ path, items: [...(previous.path === path ? previous.items : []), ...page.items], cursor: page.next_cursor }));
        setLoadingMore(false);
      },
      (error: unknown) => {
        setMoreError(toApiError(error));
        setLoadingMore(false);
      },
    );
  }, [path, cursor]);

  const seen = new Set<string | number>();
  const items = [...(first.data?.items ?? []), ...appended.items].filter((item) => !seen.has(item.id) && seen.add(item.id));
  return { items, error: first.error ?? moreError, loading: first.loading, hasMore: cursor !== null, loadingMore, loadMore, reload: first.reload };
}
