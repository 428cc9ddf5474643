/**
 * Where a worker of this node serves its metrics: a Unix socket the LC names and passes in the worker's
 * environment (SEDNA_METRICS_SOCKET). The LC proxies `/pods/{ns}/{name}/metrics` of its node API to it, behind the
 * node token, so a worker needs neither a port nor a secret, and Prometheus scrapes every worker through its LC.
 * The path is short (a hash), as a Unix socket path holds at most 107 bytes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKER_ENV } from '@sedna/api/contracts';

export const METRICS_SOCKET_ENV = WORKER_ENV.SEDNA_METRICS_SOCKET;

export function workerMetricsSocket(runnerDir: string, namespace: string, name: string): string {
  const dir = join(tmpdir(), 'sedna-metrics');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const id = createHash('sha256').update(`${runnerDir}\0${namespace}/${name}`).digest('hex').slice(0, 24);
  return join(dir, `${id}.sock`);
}

/**
 * The socket path for a container about to start, with whatever an earlier process left there removed. Worker
 * names are deterministic, so a replaced Pod (or a restarted container) gets the same path as its predecessor, and
 * a predecessor that was killed leaves its socket file behind: the new worker's listen() would fail with
 * EADDRINUSE and the worker crash-loop. The predecessor is stopped before its successor starts, so nothing live
 * is removed.
 */
export function claimWorkerMetricsSocket(runnerDir: string, namespace: string, name: string): string {
  const path = workerMetricsSocket(runnerDir, namespace, name);
  rmSync(path, { force: true });
  return path;
}

/** Answers with the worker's metrics read from its socket; 503 when the worker serves none (not a lib worker, or not started). */
export function proxyWorkerMetrics(socketPath: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const upstream = http.get({ socketPath, path: '/metrics', headers: { ...(req.headers.accept ? { accept: req.headers.accept } : {}) }, timeout: 10_000 }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, { 'Content-Type': answer.headers['content-type'] ?? 'text/plain' });
    answer.pipe(res);
  });
  upstream.on('timeout', () => upstream.destroy(new Error('the worker took over 10 s to answer')));
  upstream.on('error', (err) => {
    if (res.headersSent) res.destroy();
    else res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`the worker serves no metrics: ${err.message}\n`);
  });
}
