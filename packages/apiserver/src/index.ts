/**
 * The embedded Kubernetes-compatible API server: `startApiServer({dataDir, port})` serves the Sedna kinds and the
 * core kinds the control plane needs, stores them in SQLite under dataDir, and writes a kubeconfig beside them.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createPlainServer, type Server } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { findKind } from '@sedna/api';
import { GarbageCollector } from './registry/gc.js';
import { NamespaceController } from './registry/namespace-controller.js';
import { builtInCrds } from './registry/admission.js';
import { VolumeBinder } from './registry/volume-binder.js';
import { Registry } from './registry/registry.js';
import { Store, type StoreSync } from './storage/store.js';
import { createRequestHandler, type PodLogsProvider } from './http/server.js';
import { writeKubeconfig } from './kubeconfig.js';
import { ensureServerCertificate } from './pki.js';
import { instrumentApiServer } from './metrics/instrument.js';
import { withExtraRoutes, type ExtraRoute } from './http/extra-routes.js';
import { startMetricsListener, type MetricsListener } from '@sedna/metrics';

export interface ApiServerOptions {
  /** Folder for the database, the token and the kubeconfig; created when missing. */
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Bearer token clients must send; by default one generated on first start and kept in dataDir/token. */
  token?: string;
  bodyLimitBytes?: number;
  eventRetention?: number;
  /** How durable an acknowledged write is (the store's `sync`): `normal` (default) or `full` (fsync per write). */
  storeSync?: StoreSync;
  podLogs?: PodLogsProvider;
  bookmarkIntervalMs?: number;
  /** Extra host names and IP addresses the server certificate must cover (for clients on other hosts). */
  certificateNames?: string[];
  /**
   * Also serve plain HTTP on this Unix socket (mode 0600; the bearer token is still required), for a client on the
   * same host whose many small requests should not pay for TLS: the GM of the all-in-one control plane.
   */
  socketPath?: string;
  /** Also serve /metrics without authentication on this address (a listener that serves nothing else). */
  metricsAddress?: { host: string; port: number };
}

export interface RunningApiServer {
  url: string;
  port: number;
  host: string;
  token: string;
  kubeconfigPath: string;
  /** The Unix socket it also serves, when asked to. */
  socketPath?: string;
  /** PEM of the CA that signed the server certificate; clients trust it. */
  caPem: string;
  /** The unauthenticated metrics listener, when asked for. */
  metricsListener?: MetricsListener;
  store: Store;
  registry: Registry;
  /** Sets the pod log provider after start (the control plane wires it once its parts are up). */
  setPodLogs(provider: PodLogsProvider): void;
  /** Serves a control-plane path under /sedna/ (exact path), with the API token. */
  addRoute(path: string, route: ExtraRoute): void;
  /** Serves every path under a prefix (ending in /) without the token: static files such as the web console. */
  addPublicPrefix(prefix: string, route: ExtraRoute): void;
  close(): Promise<void>;
}

const BOOTSTRAP_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'sedna'];

function loadOrCreateToken(dataDir: string): string {
  const path = join(dataDir, 'token');
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (token) return token;
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}

export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? loadOrCreateToken(options.dataDir);
  const store = new Store({ path: join(options.dataDir, 'apiserver.db'), ...(options.eventRetention ? { eventRetention: options.eventRetention } : {}), ...(options.storeSync ? { sync: options.storeSync } : {}) });
  const registry = new Registry(store);
  const namespaceKind = findKind('Namespace')!;
  for (const name of BOOTSTRAP_NAMESPACES) {
    if (!store.get('/namespaces', '', name)) registry.create(namespaceKind, '', { metadata: { name } });
  }
  // The CRDs this server serves, readable as on a cluster (`kubectl get crd`, `kubectl apply -f deploy/crds/`).
  const crdKind = findKind('CustomResourceDefinition')!;
  for (const [name, manifest] of builtInCrds()) {
    const stored = store.get('apiextensions.k8s.io/customresourcedefinitions', '', name);
    if (!stored) registry.create(crdKind, '', { ...manifest, status: { acceptedNames: (manifest['spec'] as { names: unknown }).names, conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }] } });
  }
  const gc = new GarbageCollector(store, registry);
  gc.start();
  const namespaces = new NamespaceController(store, registry);
  namespaces.start();
  const volumes = new VolumeBinder(store, registry, join(options.dataDir, 'volumes'));
  volumes.start();

  let address = '';
  let podLogs = options.podLogs;
  const instrumentation = instrumentApiServer();
  const apiHandler = createRequestHandler({
    store,
    registry,
    token,
    ...(options.bodyLimitBytes ? { bodyLimit: options.bodyLimitBytes } : {}),
    ...(options.bookmarkIntervalMs ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
    podLogs: (ns, name, opts, res) => {
      if (!podLogs) throw new Error('pod logs are not available: no control plane is serving them');
      return podLogs(ns, name, opts, res);
    },
    serverAddress: () => address,
  });
  const extraRoutes = new Map<string, ExtraRoute>();
  const publicPrefixes = new Map<string, ExtraRoute>();
  const handler = instrumentation.wrap(withExtraRoutes(apiHandler, token, extraRoutes, publicPrefixes), token);
  const tls = ensureServerCertificate(join(options.dataDir, 'pki'), [host, ...(options.certificateNames ?? [])].filter((n) => n !== '0.0.0.0' && n !== '::'));
  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem, keepAliveTimeout: 120_000, requestTimeout: 0 }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const local = options.socketPath === undefined ? undefined : await listenOnSocket(options.socketPath, handler).catch(async (err: unknown) => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  });
  const metricsListener = options.metricsAddress ? await startMetricsListener(options.metricsAddress, instrumentation.registry) : undefined;
  const port = (server.address() as AddressInfo).port;
  address = `${host}:${port}`;
  const url = `https://${address}`;
  const kubeconfigPath = join(options.dataDir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, { server: url, token, caPem: tls.caPem });

  return {
    url,
    port,
    host,
    token,
    kubeconfigPath,
    ...(options.socketPath !== undefined ? { socketPath: options.socketPath } : {}),
    caPem: tls.caPem,
    ...(metricsListener ? { metricsListener } : {}),
    store,
    registry,
    setPodLogs: (provider) => {
      podLogs = provider;
    },
    addRoute: (path, route) => {
      if (!path.startsWith('/sedna/')) throw new Error(`control-plane routes live under /sedna/, got ${path}`);
      extraRoutes.set(path, route);
    },
    addPublicPrefix: (prefix, route) => {
      // Never a prefix of the Kubernetes API's paths: those always need the token.
      if (!/^\/[a-z][a-z0-9-]*\/$/.test(prefix) || ['/api/', '/apis/', '/openapi/', '/sedna/', '/version/', '/metrics/'].includes(prefix)) throw new Error(`a public prefix is one path segment outside the API's, got ${prefix}`);
      publicPrefixes.set(prefix, route);
    },
    close: async () => {
      gc.stop();
      await metricsListener?.close();
      namespaces.stop();
      volumes.stop();
      for (const s of [server, local]) {
        if (!s) continue;
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      store.close();
    },
  };
}

/** A plain HTTP server on a Unix socket only the owner can open (a socket left by a killed server is replaced). */
async function listenOnSocket(socketPath: string, handler: Parameters<typeof createPlainServer>[1]): Promise<Server> {
  // sun_path holds 107 bytes on Linux: a longer path cannot be bound, say so rather than fail obscurely.
  if (Buffer.byteLength(socketPath) > 107) throw new Error(`the API server's socket path is too long for a Unix socket (${Buffer.byteLength(socketPath)} bytes, at most 107): ${socketPath}`);
  rmSync(socketPath, { force: true });
  const server = createPlainServer({ keepAliveTimeout: 120_000, requestTimeout: 0 }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);
  return server;
}

export { STORE_SYNC_MODES, Store } from './storage/store.js';
export type { ChangeEvent, StoreSync, StoredObject, WatchEventType } from './storage/store.js';
export { Registry, resourceKey } from './registry/registry.js';
export { ApiError } from './http/errors.js';
export type { PodLogsProvider, PodLogOptions } from './http/server.js';
export type { ExtraRoute } from './http/extra-routes.js';
export { kubeconfigYaml, writeKubeconfig } from './kubeconfig.js';
