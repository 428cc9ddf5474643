/**
 * The web console beside the GM on a cluster (`sedna console`): the built app under /console/, the console's own
 * routes (multiplexed watch, flow units, Prometheus queries, config), and every Kubernetes API request of the page
 * passed on to the API server with the user's own token. The page is the same one the embedded control plane
 * serves; it cannot tell the two apart.
 *
 * The console's own routes check the token with the API first (an API discovery read, which any authenticated
 * user may do and an anonymous one may not); the watch then reads with that token, so each user sees what the API
 * lets them see.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { consoleRoute, CONSOLE_PREFIX } from './index.js';
import { CONSOLE_FLOWUNITS_ROUTE, consoleFlowunitsRoute } from './flowunits-route.js';
import { consoleKubeWatchRoute } from './kube-watch-route.js';
import { CONSOLE_CONFIG_ROUTE, CONSOLE_PROMETHEUS_ROUTES, consoleConfigRoute, consolePrometheusRoute } from './prometheus-route.js';
import { forwardedHeaders, type KubeUpstream, upstreamGet, upstreamRequest } from './upstream.js';
import { CONSOLE_WATCH_ROUTE } from './watch-route.js';

export interface ConsoleServerOptions {
  upstream: KubeUpstream;
  host: string;
  /** 0: any free port. */
  port: number;
  prometheus?: URL;
  /** HTTPS with this certificate and key (PEM); plain HTTP without. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** The built app (default: this package's dist/web). */
  assetsDir?: string;
}

export interface RunningConsoleServer {
  /** Where the console is: https://host:port/console/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void | Promise<void>;

/** The Kubernetes API paths the page uses (and the embedded control plane's extras), passed on unchanged. */
const PASSED_ON = [/^\/api(\/|$)/, /^\/apis(\/|$)/, /^\/version$/, /^\/metrics$/, /^\/sedna\/logs\/search$/];

/** Tokens the API accepted recently: one discovery read per token a minute, not one per request. */
class TokenCheck {
  private readonly accepted = new Map<string, number>();
  constructor(private readonly upstream: KubeUpstream) {}

  async accepts(authorization: string | undefined): Promise<boolean> {
    if (!authorization?.startsWith('Bearer ')) return false;
    const key = createHash('sha256').update(authorization).digest('hex');
    const until = this.accepted.get(key);
    if (until && until > Date.now()) return true;
    const answer = await upstreamGet(this.upstream, '/apis/sedna.io/v1alpha1', { authorization, accept: 'application/json' });
    if (answer.status !== 200) return false;
    if (this.accepted.size > 1000) this.accepted.clear();
    this.accepted.set(key, Date.now() + 60_000);
    return true;
  }
}

/** Passes a request on to the API and its answer back, streamed both ways (watches, followed logs). */
function passOn(upstream: KubeUpstream): Route {
  return (req, res) => {
    const forward = upstreamRequest(upstream, { method: req.method ?? 'GET', path: req.url ?? '/', headers: forwardedHeaders(req) });
    forward.on('response', (answer) => {
      const headers: http.OutgoingHttpHeaders = { 'Cache-Control': 'no-cache, private' };
      for (const name of ['content-type', 'content-length', 'transfer-encoding', 'warning']) if (answer.headers[name] !== undefined) headers[name] = answer.headers[name];
      res.writeHead(answer.statusCode ?? 502, headers);
      res.flushHeaders();
      answer.pipe(res);
    });
    forward.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' }).end(`the Kubernetes API at ${upstream.url.origin}: ${err.message}\n`);
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) forward.destroy();
    });
    req.pipe(forward);
  };
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<RunningConsoleServer> {
  const statics = consoleRoute(options.assetsDir);
  const tokens = new TokenCheck(options.upstream);
  const own = new Map<string, Route>([
    [CONSOLE_WATCH_ROUTE, consoleKubeWatchRoute(options.upstream)],
    [CONSOLE_FLOWUNITS_ROUTE, consoleFlowunitsRoute()],
    [CONSOLE_CONFIG_ROUTE, consoleConfigRoute(options.prometheus)],
    [CONSOLE_PROMETHEUS_ROUTES.query, consolePrometheusRoute(options.prometheus, 'query')],
    [CONSOLE_PROMETHEUS_ROUTES.query_range, consolePrometheusRoute(options.prometheus, 'query_range')],
  ]);
  const api = passOn(options.upstream);
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/' || url.pathname === CONSOLE_PREFIX.slice(0, -1)) {
      req.resume();
      res.writeHead(308, { Location: CONSOLE_PREFIX }).end();
      return;
    }
    if (url.pathname.startsWith(CONSOLE_PREFIX)) return statics(req, res, url);
    const route = own.get(url.pathname);
    if (route) {
      if (!(await tokens.accepts(req.headers.authorization))) {
        req.resume();
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end('unauthorized: log in with a token the Kubernetes API accepts\n');
        return;
      }
      return route(req, res, url);
    }
    if (PASSED_ON.some((p) => p.test(url.pathname))) return api(req, res, url);
    req.resume();
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
  };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`${err instanceof Error ? err.message : String(err)}\n`);
    });
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener) : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}${CONSOLE_PREFIX}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
