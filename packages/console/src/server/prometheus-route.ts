/**
 * The console's charts read Prometheus through the server that serves the console (the control plane, or
 * `sedna console` beside the GM), not from the browser: the page may only talk to its own origin (its CSP), and
 * Prometheus' HTTP API has no authentication of its own. Only the two read-only query endpoints are passed on,
 * behind the API token like every other console route.
 *
 *   GET /sedna/console/config                   {"prometheus": true|false}: whether charts come from Prometheus
 *   GET /sedna/console/prometheus/query         Prometheus' /api/v1/query
 *   GET /sedna/console/prometheus/query_range   Prometheus' /api/v1/query_range
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const CONSOLE_CONFIG_ROUTE = '/sedna/console/config';
export const CONSOLE_PROMETHEUS_ROUTES = {
  query: '/sedna/console/prometheus/query',
  query_range: '/sedna/console/prometheus/query_range',
} as const;

/** The parameters of Prometheus' query endpoints; anything else is not passed on. */
const QUERY_PARAMETERS = ['query', 'time', 'start', 'end', 'step', 'timeout'];

/** `--prometheus-url`: http(s)://host:port[/prefix], checked. */
export function parsePrometheusUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`--prometheus-url: ${JSON.stringify(text)} is not a URL (give http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--prometheus-url: ${JSON.stringify(text)} must be http:// or https://`);
  return url;
}

export function consoleConfigRoute(prometheus: URL | undefined): (req: IncomingMessage, res: ServerResponse) => void {
  const body = JSON.stringify({ prometheus: prometheus !== undefined });
  return (req, res) => {
    req.resume();
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' }).end(body);
  };
}

function prometheusError(res: ServerResponse, status: number, error: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'error', errorType: 'unavailable', error }));
}

/** Passes one query endpoint on to Prometheus (its JSON answer unchanged). */
export function consolePrometheusRoute(prometheus: URL | undefined, endpoint: keyof typeof CONSOLE_PROMETHEUS_ROUTES): (req: IncomingMessage, res: ServerResponse, url: URL) => void {
  return (req, res, url) => {
    req.resume();
    if (!prometheus) {
      prometheusError(res, 404, 'no Prometheus is configured for the console (--prometheus-url)');
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET', 'Content-Type': 'text/plain' }).end('GET only\n');
      return;
    }
    const query = new URLSearchParams();
    for (const name of QUERY_PARAMETERS) {
      const value = url.searchParams.get(name);
      if (value !== null) query.set(name, value);
    }
    const target = new URL(`${prometheus.pathname.replace(/\/$/, '')}/api/v1/${endpoint}?${query}`, prometheus);
    const lib = target.protocol === 'https:' ? https : http;
    const upstream = lib.get(target, { timeout: 30_000, headers: { Accept: 'application/json' } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { 'Content-Type': answer.headers['content-type'] ?? 'application/json', 'Cache-Control': 'no-cache, private' });
      answer.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('no answer within 30 s')));
    upstream.on('error', (err) => {
      if (!res.headersSent) prometheusError(res, 502, `Prometheus at ${prometheus.origin}: ${err.message}`);
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
  };
}
