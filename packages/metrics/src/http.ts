/**
 * Serving a registry at `/metrics`: the Prometheus text format, or OpenMetrics when the scraper asks for it in
 * `Accept` (as Prometheus does when configured to). Components mount `handleMetricsRequest` on their own server
 * behind their own authentication, and may also open `startMetricsListener`, a plain listener that serves
 * nothing but metrics without authentication (for a scraper on a trusted network).
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';

export const METRICS_PATH = '/metrics';

/** True for a request of `/metrics` (any query string). */
export function isMetricsRequest(req: http.IncomingMessage): boolean {
  const url = req.url ?? '/';
  // Every request of a component passes here first: the common answer without splitting or a regular expression.
  if (!url.startsWith(METRICS_PATH)) return false;
  const path = url.split('?', 1)[0]!.replace(/\/+$/, '');
  return path === METRICS_PATH;
}

/** Constant-time check of `Authorization: Bearer <token>`. */
export function hasBearerToken(req: http.IncomingMessage, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(req.headers.authorization ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function wantsOpenMetrics(req: http.IncomingMessage): boolean {
  return /application\/openmetrics-text/.test(req.headers.accept ?? '');
}

// A registry's content type is a setting of the registry: scrapes of one registry are serialised so that one
// asking for OpenMetrics and one asking for text never see each other's format.
const queues = new WeakMap<Registry, Promise<unknown>>();

export async function renderMetrics(registry: Registry, openMetrics: boolean): Promise<{ contentType: string; body: string }> {
  const previous = queues.get(registry) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(async () => {
    // prom-client types a registry by its format; switching it per scrape is what setContentType is for.
    (registry as Registry<never>).setContentType((openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE) as never);
    // prom-client 15 renames counters for OpenMetrics in place (drops `_total` from metric.name) and never
    // restores them: later text-format scrapes would lose the suffix. Keep the names and put them back.
    const names = registry.getMetricsAsArray().map((m) => [m, (m as unknown as { name: string }).name] as const);
    try {
      return { contentType: registry.contentType, body: await registry.metrics() };
    } finally {
      for (const [m, name] of names) (m as unknown as { name: string }).name = name;
    }
  });
  queues.set(registry, run);
  return run;
}

/** Answers a GET of /metrics from `registry` (or several, concatenated: a component's own and a shared one). */
export function handleMetricsRequest(registries: Registry | Registry[], req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { 'Content-Type': 'text/plain', Allow: 'GET, HEAD' }).end('only GET reads metrics\n');
    return;
  }
  const list = Array.isArray(registries) ? registries : [registries];
  const merged = list.length === 1 ? list[0]! : Registry.merge(list);
  renderMetrics(merged, wantsOpenMetrics(req)).then(
    ({ contentType, body }) => {
      res.writeHead(200, { 'Content-Type': contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    (err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`cannot collect metrics: ${err instanceof Error ? err.message : String(err)}\n`);
    },
  );
}

export interface MetricsListener {
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A listener that serves only /metrics, without authentication: `host:port` (port 0 for any free one). Anything
 * else gets 404, so opening it exposes nothing but the metrics.
 */
export async function startMetricsListener(address: { host: string; port: number }, registries: Registry | Registry[]): Promise<MetricsListener> {
  const server = http.createServer((req, res) => {
    if (isMetricsRequest(req)) handleMetricsRequest(registries, req, res);
    else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('this listener serves /metrics only\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    host: bound.address,
    port: bound.port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Parses `host:port` (as given to `--metrics-address`); a clear error names the flag. */
export function parseListenAddress(value: string, what = '--metrics-address'): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || !(port >= 0 && port <= 65535)) throw new Error(`${what} must be HOST:PORT (e.g. 127.0.0.1:9464), got ${JSON.stringify(value)}`);
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port };
}
