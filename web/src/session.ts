/**
 * The signed-in token, kept for the browser tab (sessionStorage): closing the tab signs out.
 * `hourglass start` prints `http://host:port/#token=hg_...`; opening it signs in and takes the
 * token out of the address bar at once.
 */
const KEY = 'hourglass.token';
const listeners = new Set<() => void>();

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token);
  listeners.forEach((listener) => listener());
}

export function clearToken(): void {
  if (getToken() === null) return;
  sessionStorage.removeItem(KEY);
  listeners.forEach((listener) => listener());
}

export function onTokenChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Moves `#token=...` from the URL into the session; the address bar keeps no secret. */
export function takeTokenFromUrl(): void {
  const match = /(?:^#|[#&/?])token=([^&]+)/.exec(location.hash);
  if (!match) return;
  sessionStorage.setItem(KEY, decodeURIComponent(match[1]!));
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}
