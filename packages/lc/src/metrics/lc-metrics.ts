/**
 * The LC's /metrics (its connection to the GM, outbox depth and acknowledgement latency, its pods, worker reports)
 * and the node API route that serves it and proxies each worker's metrics.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { componentRegistry, handleMetricsRequest, isMetricsRequest, localControllerMetrics, type LocalControllerMetrics, type LocalControllerSources, type Registry } from '@sedna/metrics';
import { proxyWorkerMetrics } from './worker-socket.js';

export interface LcMetrics {
  registry: Registry;
  metrics: LocalControllerMetrics;
  /** For the node API (already authenticated): /metrics and /pods/{ns}/{name}/metrics. True when handled. */
  route(req: IncomingMessage, res: ServerResponse): boolean;
}

const WORKER_METRICS_PATH = /^\/pods\/([a-z0-9][-a-z0-9.]*)\/([a-z0-9][-a-z0-9.]*)\/metrics$/;

/** `workerSocket` names the metrics socket of a pod this LC runs (undefined: no such pod here). */
export function lcMetrics(sources: LocalControllerSources, workerSocket: (namespace: string, name: string) => string | undefined): LcMetrics {
  const registry = componentRegistry('lc');
  const metrics = localControllerMetrics(registry, sources);
  return {
    registry,
    metrics,
    route: (req, res) => {
      if (isMetricsRequest(req)) {
        handleMetricsRequest(registry, req, res);
        return true;
      }
      const m = WORKER_METRICS_PATH.exec((req.url ?? '/').split('?', 1)[0]!);
      if (!m) return false;
      const socket = workerSocket(m[1]!, m[2]!);
      if (!socket) res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no pod ${m[1]}/${m[2]} on this node\n`);
      else proxyWorkerMetrics(socket, req, res);
      return true;
    },
  };
}
