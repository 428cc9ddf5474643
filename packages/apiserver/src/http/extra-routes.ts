/**
 * Paths of the control plane beside the Kubernetes API (under `/sedna/`, e.g. the log search), with the API's
 * bearer token. The control plane adds them once its parts are up; the Kubernetes handler never sees them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasBearerToken } from '@sedna/metrics';
import { errorMessage } from '@sedna/api/runtime';

export type ExtraRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export const EXTRA_PREFIX = '/sedna/';

/**
 * `routes` are exact paths under /sedna/ that need the API token; `publicPrefixes` are path prefixes served without
 * it (the web console's static files: a browser opening a page sends no bearer token).
 */
export function withExtraRoutes(handler: (req: IncomingMessage, res: ServerResponse) => void, token: string, routes: Map<string, ExtraRoute>, publicPrefixes: Map<string, ExtraRoute> = new Map()): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    for (const [prefix, route] of publicPrefixes) {
      if (!req.url?.startsWith(prefix) && req.url !== prefix.slice(0, -1)) continue;
      if (req.url === prefix.slice(0, -1)) {
        req.resume();
        res.writeHead(308, { Location: prefix }).end();
        return;
      }
      let url: URL;
      try {
        url = new URL(req.url, 'http://localhost');
      } catch {
        req.resume();
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end('malformed URL\n');
        return;
      }
      run(route, req, res, url);
      return;
    }
    if (!req.url?.startsWith(EXTRA_PREFIX)) {
      handler(req, res);
      return;
    }
    const url = new URL(req.url, 'http://localhost');
    const route = routes.get(url.pathname);
    if (!route) {
      handler(req, res);
      return;
    }
    if (!hasBearerToken(req, token)) {
      req.resume();
      res.writeHead(401, { 'Content-Type': 'text/plain' }).end('unauthorized\n');
      return;
    }
    run(route, req, res, url);
  };
}

/** Runs a route; what it throws (or rejects with) is answered 500 with its message. */
function run(route: ExtraRoute, req: IncomingMessage, res: ServerResponse, url: URL): void {
  Promise.resolve()
    .then(() => route(req, res, url))
    .catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`${errorMessage(err)}\n`);
    });
}
