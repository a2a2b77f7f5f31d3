/** Under a list: how many rows are shown, and "Load more" while the API has more. */
export function Pager({ summary, hasMore, loadingMore, onLoadMore }: { summary: string; hasMore: boolean; loadingMore: boolean; onLoadMore: () => void }) {
  return (
    <div className="pager">
      <span className="muted">{summary}</span>
      {hasMore ? (
        <button type="button" onClick={onLoadMore} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </div>
  );
}
