/**
 * Hash routes (`#/runs/ID?status=failed`): the server serves one page, and every address of
 * the console can be bookmarked or shared. `useRoute()` re-renders on navigation.
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type ReactNode } from 'react';

export interface Route {
  /** Path segments: `#/runs/abc` is `['runs', 'abc']`; `#/` is `[]`. */
  segments: string[];
  query: URLSearchParams;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const currentHash = () => location.hash;

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = raw.split('?', 2);
  return { segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, currentHash));
}

/** `href` for a console path: `href('/runs', { status: 'failed' })` is `#/runs?status=failed`. */
export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const search = params.toString();
  return `#${path}${search ? `?${search}` : ''}`;
}

export function navigate(path: string, query: Record<string, string | undefined> = {}, replace = false): void {
  const target = href(path, query);
  if (replace) {
    history.replaceState(null, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = target;
  }
}

export function Link({ to, query, children, ...rest }: { to: string; query?: Record<string, string | undefined>; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  return (
    <a href={href(to, query)} {...rest}>
      {children}
    </a>
  );
}
