/** A run or schedule status as a coloured badge with its word (colour is never the only sign). */
export function StatusBadge({ status }: { status: string | null | undefined }) {
  if (!status) return <span className="muted">—</span>;
  return <span className={`badge badge-${status}`}>{status.replace('_', ' ')}</span>;
}
