/**
 * Client-side routes under /console/ (the server answers index.html for every path there): a tiny router on the
 * History API, so links are real URLs that can be bookmarked and opened in a new tab.
 */
import { useEffect, useState } from 'react';

export const BASE = '/console';

export type Route =
  | { page: 'overview' }
  | { page: 'job'; plural: string; namespace: string; name: string }
  | { page: 'yaml'; plural: string; namespace: string; name: string }
  | { page: 'create'; kind?: string }
  | { page: 'composer' }
  | { page: 'logs' };

export function parseRoute(pathname: string): Route {
  const parts = pathname.replace(/^\/console\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'jobs' && parts.length === 4) return { page: 'job', plural: parts[1]!, namespace: parts[2]!, name: parts[3]! };
  if (parts[0] === 'yaml' && parts.length === 4) return { page: 'yaml', plural: parts[1]!, namespace: parts[2]!, name: parts[3]! };
  if (parts[0] === 'create') return parts[1] ? { page: 'create', kind: parts[1] } : { page: 'create' };
  if (parts[0] === 'composer') return { page: 'composer' };
  if (parts[0] === 'logs') return { page: 'logs' };
  return { page: 'overview' };
}

export function href(route: Route): string {
  const enc = encodeURIComponent;
  switch (route.page) {
    case 'overview':
      return `${BASE}/`;
    case 'job':
      return `${BASE}/jobs/${enc(route.plural)}/${enc(route.namespace)}/${enc(route.name)}`;
    case 'yaml':
      return `${BASE}/yaml/${enc(route.plural)}/${enc(route.namespace)}/${enc(route.name)}`;
    case 'create':
      return `${BASE}/create${route.kind ? `/${enc(route.kind)}` : ''}`;
    case 'composer':
      return `${BASE}/composer`;
    case 'logs':
      return `${BASE}/logs`;
  }
}

export function navigate(route: Route | string): void {
  history.pushState(null, '', typeof route === 'string' ? route : href(route));
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return route;
}
