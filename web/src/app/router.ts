import { useSyncExternalStore } from 'react';

// A hash router: `#/cameras?status=offline`. Hash URLs need nothing from the server, survive reloads
// and keep filters in the address so operators can bookmark and share a view.

export interface Location {
  path: string;
  query: URLSearchParams;
  /** The raw hash, for identity comparisons. */
  key: string;
}

let cached: Location | null = null;

function read(): Location {
  const hash = window.location.hash;
  if (cached && cached.key === hash) return cached;
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q === -1 ? raw : raw.slice(0, q)) || '/';
  cached = { path: path.startsWith('/') ? path : `/${path}`, query: new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)), key: hash };
  return cached;
}

function subscribe(listener: () => void) {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

export function useLocation(): Location {
  return useSyncExternalStore(subscribe, read);
}

export type QueryInit = Record<string, string | number | undefined | null> | URLSearchParams;

/** `#/path?query` for links; empty query values are left out. */
export function href(path: string, query?: QueryInit): string {
  const params = new URLSearchParams();
  if (query instanceof URLSearchParams) query.forEach((v, k) => params.set(k, v));
  else if (query) {
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const s = params.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

export function navigate(path: string, query?: QueryInit, options: { replace?: boolean } = {}) {
  const target = href(path, query);
  if (options.replace) {
    window.history.replaceState(null, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = target;
  }
}

/** Matches `/cameras/:id` against `/cameras/abc`; returns the decoded params or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) {
      try {
        params[p[i].slice(1)] = decodeURIComponent(s[i]);
      } catch {
        return null;
      }
    } else if (p[i] !== s[i]) return null;
  }
  return params;
}
