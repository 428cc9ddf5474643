/**
 * The control plane's side of the web console: the built single-page app (`dist/web`, made by `npm run build`) served
 * under `/console/` by the API server. The files are public (a browser cannot send a bearer token when it opens a
 * page); everything the page then shows comes from the Kubernetes API with the token the user logs in with.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningApiServer } from '@sedna/apiserver';
import { CONSOLE_FLOWUNITS_ROUTE, consoleFlowunitsRoute } from './flowunits-route.js';
import { CONSOLE_CONFIG_ROUTE, CONSOLE_PROMETHEUS_ROUTES, consoleConfigRoute, consolePrometheusRoute } from './prometheus-route.js';
import { CONSOLE_WATCH_ROUTE, consoleWatchRoute } from './watch-route.js';

export const CONSOLE_PREFIX = '/console/';
export { CONSOLE_WATCH_ROUTE, consoleWatchRoute } from './watch-route.js';
export { CONSOLE_FLOWUNITS_ROUTE, consoleFlowunitsRoute } from './flowunits-route.js';
export { CONSOLE_CONFIG_ROUTE, CONSOLE_PROMETHEUS_ROUTES, consoleConfigRoute, consolePrometheusRoute, parsePrometheusUrl } from './prometheus-route.js';
export { startConsoleServer, type ConsoleServerOptions, type RunningConsoleServer } from './console-server.js';
export type { KubeUpstream } from './upstream.js';

/** Where `npm run build` puts the console's files (this module runs from src/server or dist/server). */
export function consoleAssetsDir(): string {
  return fileURLToPath(new URL('../../dist/web/', import.meta.url));
}

export function consoleBuilt(dir = consoleAssetsDir()): boolean {
  return existsSync(join(dir, 'index.html'));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

// The page may only talk to its own origin (the API) and run its own scripts.
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

/** The codings an Accept-Encoding header accepts (those with a q-value above 0). */
function acceptedEncodings(header: string): Set<string> {
  const accepted = new Set<string>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && (q === undefined || Number(q.slice(2)) > 0)) accepted.add(name);
  }
  return accepted;
}

/** The build's compressed copy of a file (file.br, file.gz) that the browser accepts, if there is one. */
function compressedCopy(file: string, acceptEncoding: string): { name: 'br' | 'gzip'; path: string } | undefined {
  const accepted = acceptedEncodings(acceptEncoding);
  if (accepted.has('br') && existsSync(`${file}.br`)) return { name: 'br', path: `${file}.br` };
  if (accepted.has('gzip') && existsSync(`${file}.gz`)) return { name: 'gzip', path: `${file}.gz` };
  return undefined;
}

/**
 * The route for `/console/...`: a file of the build, else the app's index.html (its pages are client-side routes).
 * `dir` is the built app; a control plane without a build answers 503 saying how to build it.
 */
export function consoleRoute(dir = consoleAssetsDir()): (req: IncomingMessage, res: ServerResponse, url: URL) => void {
  return (req, res, url) => {
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('the console serves GET and HEAD only\n');
      return;
    }
    if (!consoleBuilt(dir)) {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('the web console is not built: run `npm run build` (or `npm run build:web -w @sedna/console`) in the sedna-ts checkout\n');
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(url.pathname.slice(CONSOLE_PREFIX.length));
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('malformed percent-encoding in the path\n');
      return;
    }
    // Confined to the build folder: no `..`, no absolute paths, no NUL.
    const file = normalize(join(dir, relative));
    const inside = file.startsWith(dir.endsWith(sep) ? dir : dir + sep) && !relative.includes('\0');
    const isFile = inside && existsSync(file) && statSync(file).isFile();
    const target = isFile ? file : join(dir, 'index.html');
    // Hashed asset names never change content: cache them; index.html always fresh.
    const immutable = isFile && relative.startsWith('assets/');
    const encoding = compressedCopy(target, String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, {
      'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      Vary: 'Accept-Encoding',
      ...(encoding ? { 'Content-Encoding': encoding.name } : {}),
      ...SECURITY_HEADERS,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(encoding?.path ?? target).pipe(res);
  };
}

/**
 * The console on the embedded API server: its files (public), the multiplexed watch on the API's store, the flow
 * units, and the Prometheus queries when a Prometheus is configured (the API token for all but the files).
 */
export function serveConsole(api: Pick<RunningApiServer, 'addRoute' | 'addPublicPrefix' | 'store'>, options: { prometheus?: URL } = {}): void {
  api.addPublicPrefix(CONSOLE_PREFIX, consoleRoute());
  api.addRoute(CONSOLE_WATCH_ROUTE, consoleWatchRoute(api.store));
  api.addRoute(CONSOLE_FLOWUNITS_ROUTE, consoleFlowunitsRoute());
  api.addRoute(CONSOLE_CONFIG_ROUTE, consoleConfigRoute(options.prometheus));
  api.addRoute(CONSOLE_PROMETHEUS_ROUTES.query, consolePrometheusRoute(options.prometheus, 'query'));
  api.addRoute(CONSOLE_PROMETHEUS_ROUTES.query_range, consolePrometheusRoute(options.prometheus, 'query_range'));
}
