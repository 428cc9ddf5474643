/**
 * /metrics of the API server and the measurement of every request. It wraps the request handler rather than
 * living inside it: the handler stays about the Kubernetes API, and this route module is the only place that
 * knows about metrics. `/metrics` takes the same bearer token as the API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiServerMetrics, componentRegistry, measuring, handleMetricsRequest, hasBearerToken, isMetricsRequest, statusClass, type CounterSeries, type HistogramSeries, type Registry } from '@sedna/metrics';
import { routeOfRequest } from '../http/route.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ApiServerInstrumentation {
  registry: Registry;
  /** The handler with /metrics and request measurement in front of it. */
  wrap(handler: Handler, token: string): Handler;
}

/**
 * Verb and resource of a request, as Kubernetes' apiserver_request_total labels them; undefined for non-resource
 * paths. `req` keys the parsed route, which the handler then reuses instead of parsing the path again.
 */
export function requestKind(method: string, url: string, req: object = {}): { verb: string; resource: string; watch: boolean } | undefined {
  const q = url.indexOf('?');
  let end = q < 0 ? url.length : q;
  while (end > 0 && url.charCodeAt(end - 1) === 47 /* '/' */) end--;
  const path = url.slice(0, end);
  let route;
  try {
    route = routeOfRequest(req, path);
  } catch {
    return undefined;
  }
  if (route.type !== 'resource') return undefined;
  const resource = route.subresource ? `${route.def.plural}/${route.subresource}` : route.def.plural;
  const query = q < 0 ? '' : url.slice(q);
  const watch = method === 'GET' && route.name === undefined && (route.watchPrefix || /[?&]watch=(true|1)(&|$)/.test(query));
  const verb = (() => {
    switch (method) {
      case 'GET':
        return route.name !== undefined ? 'get' : watch ? 'watch' : 'list';
      case 'POST':
        return 'create';
      case 'PUT':
        return 'update';
      case 'PATCH':
        return 'patch';
      case 'DELETE':
        return route.name !== undefined ? 'delete' : 'deletecollection';
      default:
        return 'other';
    }
  })();
  return { verb, resource, watch };
}

/** The series one kind of request (verb and resource) is counted in, resolved once per kind. */
interface RequestSeries {
  verb: string;
  resource: string;
  duration: HistogramSeries;
  /** By status class ("2xx"...), made on first use. */
  byClass: Map<string, CounterSeries>;
}

export function instrumentApiServer(): ApiServerInstrumentation {
  const registry = componentRegistry('apiserver');
  const metrics = apiServerMetrics(registry);
  const measure = measuring();
  // Verbs and resources are bounded (the served kinds' plural and subresources), so this map is too.
  const seriesByKind = new Map<string, RequestSeries>();
  const seriesOf = (verb: string, resource: string): RequestSeries => {
    const key = `${verb} ${resource}`;
    let series = seriesByKind.get(key);
    if (!series) {
      series = { verb, resource, duration: metrics.duration.of({ verb, resource }), byClass: new Map() };
      seriesByKind.set(key, series);
    }
    return series;
  };
  const count = (series: RequestSeries, status: number): void => {
    const code = statusClass(status);
    let counter = series.byClass.get(code);
    if (!counter) {
      counter = metrics.requests.of({ verb: series.verb, resource: series.resource, code });
      series.byClass.set(code, counter);
    }
    counter.inc();
  };
  return {
    registry,
    wrap: (handler, token) => (req, res) => {
      if (isMetricsRequest(req)) {
        if (!hasBearerToken(req, token)) {
          res.writeHead(401, { 'Content-Type': 'text/plain' }).end('unauthorized: /metrics needs the API token\n');
          return;
        }
        handleMetricsRequest(registry, req, res);
        return;
      }
      const kind = measure ? requestKind(req.method ?? 'GET', req.url ?? '/', req) : undefined;
      if (!kind) {
        handler(req, res);
        return;
      }
      const series = seriesOf(kind.verb, kind.resource);
      if (kind.watch) {
        metrics.watches.inc({ resource: kind.resource });
        res.once('close', () => metrics.watches.dec({ resource: kind.resource }));
        res.on('finish', () => count(series, res.statusCode));
      } else {
        const started = performance.now();
        // 'finish' comes once: a plain listener, not once()'s wrapper and removal.
        res.on('finish', () => {
          count(series, res.statusCode);
          series.duration.observe((performance.now() - started) / 1000);
        });
      }
      handler(req, res);
    },
  };
}
