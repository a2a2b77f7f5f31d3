/**
 * A run's log lines. The run detail brings the first 1,000; while the run is pending or running
 * this follows it by polling `GET /job-runs/:id/logs?after_id=<last id>` every second, and reads
 * once more when it stops (lines written just before the end). The view sticks to the bottom
 * as lines arrive unless the reader has scrolled up to read something.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { JobRunLogWire } from '../../../src/api/wire.js';
import { api } from '../api/client.js';
import { formatInstant, viewerZone } from '../format.js';

const POLL_MS = 1000;
/** Lines per request, as the server's inline limit: a full page means there may be more. */
const PAGE_LINES = 1000;

interface LogPage {
  items: JobRunLogWire[];
  next_after_id: number;
}

/** `current` plus `incoming`, by id, in id order (appending is the common case). */
function mergeLines(current: JobRunLogWire[], incoming: readonly JobRunLogWire[]): JobRunLogWire[] {
  if (incoming.length === 0) return current;
  const last = current.at(-1)?.id ?? 0;
  if (incoming[0]!.id > last) return [...current, ...incoming];
  const byId = new Map(current.map((line) => [line.id, line]));
  for (const line of incoming) byId.set(line.id, line);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

const clock = new Intl.DateTimeFormat('en-GB', { timeZone: viewerZone, hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hourCycle: 'h23' });

export function RunLogs({ runId, initial, following }: { runId: string; initial: readonly JobRunLogWire[]; following: boolean }) {
  const [lines, setLines] = useState<JobRunLogWire[]>(() => [...initial]);
  const [maybeMore, setMaybeMore] = useState(initial.length >= PAGE_LINES);
  const lastId = useRef(0);
  lastId.current = lines.at(-1)?.id ?? 0;

  useEffect(() => setLines((current) => mergeLines(current, initial)), [initial]);

  const readAfterLast = async (limit?: number) => {
    const page = await api.get<LogPage>(`/job-runs/${runId}/logs?after_id=${lastId.current}${limit ? `&limit=${limit}` : ''}`);
    setLines((current) => mergeLines(current, page.items));
    return page;
  };
  const read = useRef(readAfterLast);
  read.current = readAfterLast;

  // Follow while the run may still write; one last read when it stops.
  const wasFollowing = useRef(following);
  useEffect(() => {
    if (!following) {
      if (wasFollowing.current) void read.current().catch(() => {});
      wasFollowing.current = false;
      return;
    }
    wasFollowing.current = true;
    let timer: ReturnType<typeof setTimeout>;
    let stopped = false;
    const poll = () => {
      read
        .current()
        .catch(() => {}) // a missed poll is retried a second later
        .finally(() => {
          if (!stopped) timer = setTimeout(poll, POLL_MS);
        });
    };
    timer = setTimeout(poll, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [following]);

  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const element = box.current;
    if (element && stick.current) element.scrollTop = element.scrollHeight;
  }, [lines]);
  const onScroll = () => {
    const element = box.current;
    if (element) stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
  };

  const [loadingMore, setLoadingMore] = useState(false);
  const loadMore = () => {
    setLoadingMore(true);
    read
      .current(PAGE_LINES)
      .then((page) => setMaybeMore(page.items.length >= PAGE_LINES))
      .catch(() => {})
      .finally(() => setLoadingMore(false));
  };

  return (
    <>
      {following ? <p className="hint run-logs-live">Following live: new lines appear as the run writes them.</p> : null}
      <div className="logs run-logs" ref={box} onScroll={onScroll} role="log" aria-labelledby="run-logs-heading" tabIndex={0}>
        {lines.length === 0 ? <div className="muted">{following ? 'No log lines yet.' : 'This run wrote no log lines.'}</div> : null}
        {lines.map((line) => (
          <div key={line.id} className={`log-line log-${line.level}`}>
            <span className="log-time" title={formatInstant(line.at)}>
              {clock.format(new Date(line.at))}
            </span>{' '}
            <span className="log-level">{line.level.toUpperCase().padEnd(5)}</span> <span className="log-message">{line.message}</span>
            {line.data && Object.keys(line.data).length > 0 ? <span className="log-data"> {JSON.stringify(line.data)}</span> : null}
          </div>
        ))}
      </div>
      {!following && maybeMore ? (
        <div className="pager">
          <span className="muted">{lines.length} lines shown</span>
          <button type="button" onClick={loadMore} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'Show more log lines'}
          </button>
        </div>
      ) : null}
    </>
  );
}
