/**
 * The runs list behind the Runs page: the first page reloads live (new runs appear, statuses
 * change), and "Load more" appends older pages by cursor. A live reload replaces only the first
 * page; rows it pushes out stay on screen when older pages are loaded, so nothing vanishes or
 * repeats under the reader's eyes. Older pages are not refreshed live.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobRunWire, PageWire } from '../../../src/api/wire.js';
import { api, type ApiError } from '../api/client.js';
import { toApiError } from '../hooks.js';

const PAGE_SIZE = 50;

interface ListState {
  /** The filter query the rows belong to. */
  query: string | null;
  first: JobRunWire[];
  firstCursor: string | null;
  /** Rows of the pages loaded with "Load more" (null: none loaded). */
  older: JobRunWire[] | null;
  olderCursor: string | null;
  error?: ApiError;
  errorQuery?: string;
}

export interface RunList {
  runs: JobRunWire[];
  /** The rows on screen were read with other filters (the new ones are on their way). */
  stale: boolean;
  /** True until the first answer for any filter arrives. */
  loading: boolean;
  /** The last request for the current filters failed. */
  error: ApiError | undefined;
  /** Whether `runs` belong to the current filters (else an error replaces them). */
  hasData: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  reload: () => void;
  loadMore: () => void;
}

/** Runs order newest first: `created_at desc, id desc` (ISO strings and uuids compare as text). */
function isOlder(run: JobRunWire, than: JobRunWire): boolean {
  return run.created_at < than.created_at || (run.created_at === than.created_at && run.id < than.id);
}

function mergeFirstPage(state: ListState, query: string, page: PageWire<JobRunWire>): ListState {
  if (state.query !== query || state.older === null) {
    return { query, first: page.items, firstCursor: page.next_cursor, older: null, olderCursor: null };
  }
  const ids = new Set(page.items.map((run) => run.id));
  const last = page.items.at(-1);
  const pushedOut = state.first.filter((run) => !ids.has(run.id) && (!last || isOlder(run, last)));
  const older = [...pushedOut, ...state.older.filter((run) => !ids.has(run.id) && !pushedOut.some((other) => other.id === run.id))];
  return { ...state, first: page.items, firstCursor: page.next_cursor, older, error: undefined, errorQuery: undefined };
}

/**
 * `query` is the filter query string (`?status=failed`, or `''`), without limit and cursor;
 * null waits (e.g. a filter still being resolved), keeping what is on screen.
 */
export function useRunList(query: string | null): RunList {
  const [state, setState] = useState<ListState>({ query: null, first: [], firstCursor: null, older: null, olderCursor: null });
  const [generation, setGeneration] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);
  const ticket = useRef(0);

  useEffect(() => {
    if (query === null) return;
    const mine = ++ticket.current;
    const separator = query ? '&' : '?';
    api.get<PageWire<JobRunWire>>(`/job-runs${query}${separator}limit=${PAGE_SIZE}`).then(
      (page) => mine === ticket.current && setState((previous) => mergeFirstPage(previous, query, page)),
      (error: unknown) => mine === ticket.current && setState((previous) => ({ ...previous, error: toApiError(error), errorQuery: query })),
    );
  }, [query, generation]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);

  const cursor = state.older === null ? state.firstCursor : state.olderCursor;
  const loadMore = useCallback(() => {
    if (cursor === null || query === null || state.query !== query) return;
    const separator = query ? '&' : '?';
    setLoadingMore(true);
    api
      .get<PageWire<JobRunWire>>(`/job-runs${query}${separator}limit=${PAGE_SIZE}&cursor=${encodeURIComponent(cursor)}`)
      .then(
        (page) =>
          setState((previous) => {
            if (previous.query !== query) return previous;
            const known = new Set([...previous.first, ...(previous.older ?? [])].map((run) => run.id));
            return { ...previous, older: [...(previous.older ?? []), ...page.items.filter((run) => !known.has(run.id))], olderCursor: page.next_cursor };
          }),
        (error: unknown) => setState((previous) => ({ ...previous, error: toApiError(error), errorQuery: query })),
      )
      .finally(() => setLoadingMore(false));
  }, [cursor, query, state.query]);

  const hasData = state.query === query || (state.query !== null && state.errorQuery !== query);
  return {
    runs: [...state.first, ...(state.older ?? [])],
    stale: state.query !== query,
    loading: state.query === null && state.error === undefined,
    error: state.errorQuery === query ? state.error : undefined,
    hasData,
    hasMore: cursor !== null && state.query === query,
    loadingMore,
    reload,
    loadMore,
  };
}
