/**
 * Paths of the control plane beside the Kubernetes API (under `/sedna/`, e.g. the log search), with the API's
 * bearer token. The control plane adds them once its parts are up; the Kubernetes handler never sees them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasBearerToken } from '@sedna/metrics';

export type ExtraRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export const EXTRA_PREFIX = '/sedna/';

export function withExtraRoutes(handler: (req: IncomingMessage, res: ServerResponse) => void, token: string, routes: Map<string, ExtraRoute>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
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
    Promise.resolve()
      .then(() => route(req, res, url))
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`${err instanceof Error ? err.message : String(err)}\n`);
      });
  };
}
