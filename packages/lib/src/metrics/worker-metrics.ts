/**
 * The metrics of a worker process that uses the lib: one registry for the process, served as soon as a paradigm
 * first asks for it. Where:
 *  - SEDNA_METRICS_SOCKET: the Unix socket the local controller named (embedded mode); the LC serves it at
 *    `/pods/{namespace}/{name}/metrics` on its node API, behind the node token;
 *  - SEDNA_METRICS_ADDRESS (HOST:PORT, set in the pod template): a listener serving only /metrics without
 *    authentication, for a scraper that reaches the worker directly (on a cluster: the pod's scrape annotations).
 * The servers never keep the process alive, and the socket file is removed when the process exits.
 */
import { mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { dirname } from 'node:path';
import { componentRegistry, handleMetricsRequest, isMetricsRequest, parseListenAddress, type Owner, type Registry } from '@sedna/metrics';
import { WORKER_ENV } from '@sedna/api/contracts';
import { ScrapeTracker, type FinalScrape } from './final-scrape.js';

export const METRICS_SOCKET_ENV = WORKER_ENV.SEDNA_METRICS_SOCKET;
export const METRICS_ADDRESS_ENV = WORKER_ENV.SEDNA_METRICS_ADDRESS;

let registry: Registry | undefined;
/** The scrapes this process answered, on any of its listeners. */
const scrapes = new ScrapeTracker();

function serve(target: { path: string } | { host: string; port: number }, reg: Registry, log: (m: string) => void): void {
  const server = http.createServer((req, res) => {
    if (isMetricsRequest(req)) {
      const arrivedAt = scrapes.arrived();
      res.once('finish', () => scrapes.completed(arrivedAt));
      handleMetricsRequest(reg, req, res);
    } else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('this listener serves /metrics only\n');
  });
  server.on('error', (err) => log(`cannot serve metrics on ${'path' in target ? target.path : `${target.host}:${target.port}`}: ${err.message}`));
  if ('path' in target) {
    mkdirSync(dirname(target.path), { recursive: true });
    rmSync(target.path, { force: true }); // left by an earlier run of this pod
    server.listen(target.path);
    process.once('exit', () => rmSync(target.path, { force: true }));
  } else server.listen(target.port, target.host);
  server.unref();
}

/** The process's registry; the first call starts serving it where the environment says. */
export function workerRegistry(env: NodeJS.ProcessEnv = process.env, log: (m: string) => void = (m) => console.error(`[metrics] ${m}`)): Registry {
  if (registry) return registry;
  registry = componentRegistry('worker');
  const socket = env[METRICS_SOCKET_ENV];
  if (socket) serve({ path: socket }, registry, log);
  const address = env[METRICS_ADDRESS_ENV];
  if (address) {
    try {
      serve(parseListenAddress(address, METRICS_ADDRESS_ENV), registry, log);
    } catch (err) {
      log((err as Error).message);
    }
  }
  return registry;
}

/**
 * For a worker about to exit with its figures final: waits until a scraper has read them (one more scrape than
 * those before this call), when the worker has been scraped at all; at most `maxMs`, less when the scrapes seen so
 * far came more often (./final-scrape.ts). Call it after the last counter is set.
 */
export function awaitFinalScrape(maxMs = 15_000): Promise<FinalScrape> {
  return registry ? scrapes.awaitNext(maxMs) : Promise.resolve('never scraped');
}

/** The job or service this worker belongs to, from the original's environment (NAMESPACE, JOB_NAME or SERVICE_NAME). */
export function ownerFromEnv(env: NodeJS.ProcessEnv = process.env): Owner {
  return { namespace: env[WORKER_ENV.NAMESPACE] ?? 'default', name: env[WORKER_ENV.JOB_NAME] || env[WORKER_ENV.SERVICE_NAME] || '' };
}
