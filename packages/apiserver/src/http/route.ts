/** Parses Kubernetes REST paths into what they address. */
import { findKindByResource, type KindDefinition } from '@sedna/api';
import { decodeComponent } from '@sedna/api/guard';
import { errors } from './errors.js';

export interface ResourceRoute {
  type: 'resource';
  def: KindDefinition;
  /** The namespace of the request; '' for cluster-scoped kinds or all namespaces. */
  namespace: string;
  /** True for a namespaced kind listed across all namespaces. */
  allNamespaces: boolean;
  name?: string;
  subresource?: string;
  /** The legacy `/watch/` path prefix. */
  watchPrefix: boolean;
}

export interface DiscoveryRoute {
  type: 'discovery';
  path: string;
}

export type Route = ResourceRoute | DiscoveryRoute;

const PARSED = Symbol('sedna.parsedRoute');
type WithParsedRoute = { [PARSED]?: { path: string; route: Route } };

/**
 * parseRoute once per request: the metrics wrapper classifies a request (verb, resource) before the handler serves
 * it, and both need its route; parsing it twice was most of what measuring a request cost. Kept on the request
 * object itself (a symbol property, gone with the request; a WeakMap of short-lived keys costs the collector more)
 * and checked against the path. A path that does not parse is not remembered (it throws).
 */
export function routeOfRequest(req: object, pathname: string): Route {
  const holder = req as WithParsedRoute;
  const memo = holder[PARSED];
  if (memo !== undefined && memo.path === pathname) return memo.route;
  const route = parseRoute(pathname);
  holder[PARSED] = { path: pathname, route };
  return route;
}

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter((p) => p !== '').map((p) => decodeComponent(p, 'a segment of the path'));
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    if (parts.length === 2) return { type: 'discovery', path: pathname };
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    if (parts.length === 3) return { type: 'discovery', path: pathname };
    group = parts[1]!;
    rest = parts.slice(3);
  } else {
    return { type: 'discovery', path: pathname };
  }
  const version = group === '' ? parts[1] : parts[2];
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  let namespace = '';
  let namespaced = false;
  // `namespaces/{ns}/{resource}...`, unless it addresses the Namespace object itself (or its status/finalize).
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    namespace = rest[1]!;
    namespaced = true;
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length > 0) throw errors.pathNotFound(pathname);
  const def = findKindByResource(group, resource);
  if (!def || def.version !== version) throw errors.pathNotFound(pathname);
  if (namespaced && !def.namespaced) throw errors.pathNotFound(pathname);
  return {
    type: 'resource',
    def,
    namespace,
    allNamespaces: def.namespaced && !namespaced,
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
    watchPrefix,
  };
}
