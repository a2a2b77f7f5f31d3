import { formatInstant, formatRelative, viewerZone } from '../format.js';
import { useNow } from '../hooks.js';

/**
 * An instant as relative text ("in 5 minutes"); the exact time in the viewer's zone, and in the
 * schedule's zone when it differs, on hover and for screen readers.
 */
export function Time({ at, zone, exact = false }: { at: string | null | undefined; zone?: string; exact?: boolean }) {
  const now = useNow();
  if (!at) return <span className="muted">—</span>;
  const local = formatInstant(at, viewerZone);
  const other = zone && zone !== viewerZone ? formatInstant(at, zone) : null;
  const title = other ? `${local}\n${other} (${zone})` : local;
  return (
    <time dateTime={at} title={title}>
      {exact ? local : formatRelative(at, now)}
      {exact && other ? <span className="muted"> · {other}</span> : null}
    </time>
  );
}
