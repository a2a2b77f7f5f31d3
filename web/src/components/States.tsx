import type { ReactNode } from 'react';
import type { ApiError } from '../api/client.js';

/** A placeholder of the content's height while the first answer is on its way. */
export function Loading({ label = 'Loading…', height = '8rem' }: { label?: string; height?: string }) {
  return (
    <div className="loading" style={{ minHeight: height }} role="status" aria-live="polite">
      {label}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <strong>{error.status === 404 ? 'Not found' : error.status === 403 ? 'Not allowed' : 'Something went wrong'}</strong>
      <p>{error.message}</p>
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <strong>{title}</strong>
      {children ? <div>{children}</div> : null}
    </div>
  );
}
