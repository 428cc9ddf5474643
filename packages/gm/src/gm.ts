/**
 * The GlobalManager: the controllers of every feature over a Kubernetes API (the embedded one or a real cluster),
 * and the websocket hub local controllers connect to.
 */
import * as k8s from '@kubernetes/client-node';
import type { DownstreamMessage } from '@sedna/api';
import { ChannelRouter } from './channel/router.js';
import type { GmConfig } from './config.js';
import { EmbeddedAutoscaler } from './controllers/jointinference/autoscaling/embedded-autoscaler.js';
import { scrapeThroughNodeApi, type NodeApiClientIdentity } from './controllers/jointinference/autoscaling/worker-scrape.js';
import { embeddedAddressing, kubernetesAddressing } from './workers/addressing.js';
import { registerFeatures } from './features/registry.js';
import { Logger as StructuredLogger } from '@sedna/api/runtime';
import { NodeHub } from './hub/index.js';
import { BOOTSTRAP_PATH } from '@sedna/api';
import { CertificateAuthority } from './credentials/certificate-authority.js';
import { NodeCredentials } from './credentials/node-credentials.js';
import { GmServer } from './server/gm-server.js';
import { isConflict } from './runtime/client.js';
import { NodeLifecycle } from './nodes/node-lifecycle.js';
import { KubeClient } from './runtime/client.js';
import { ControllerManager, type Logger } from './runtime/manager.js';
import { gmMetrics } from './metrics/gm-metrics.js';
import { measuring, parseListenAddress, startMetricsListener, type MetricsListener, type Registry } from '@sedna/metrics';
import { configureJobCredentials } from './workers/job-credentials.js';
import { checkOwnership, type OwnershipCaches } from './channel/ownership.js';
import { onlyEvents, recordWorkerEvents } from './workers/worker-events.js';

export interface GlobalManagerOptions {
  config: GmConfig;
  /** The API to reconcile against; by default config.kubeConfig, else in-cluster. */
  kubeConfig?: k8s.KubeConfig;
  /** Embedded mode: Pods bound to nodes run as processes on the local controllers (no kubelet). */
  runPodsOnLocalControllers: boolean;
  tls?: { cert: string; key: string };
  /** The control plane's CA: signs each node's node API certificate at its bootstrap. */
  ca?: { cert: string; key: string };
  /**
   * The client identity the GM shows node APIs (TLS with the control plane's CA): embedded mode's autoscaler reads
   * worker metrics through them. Without it the autoscaler reports that it cannot read them.
   */
  nodeApiClient?: NodeApiClientIdentity;
  /** Serve on this (already listening) server instead of making one: leader election keeps one across terms. */
  server?: GmServer;
  log?: Logger;
}

export interface RunningGlobalManager {
  /** Where local controllers connect (ws:// or wss://). */
  hubUrl: string;
  hubPort: number;
  manager: ControllerManager;
  client: KubeClient;
  connectedNodes(): string[];
  /** The GM's metrics (served at /metrics on the hub port with the node token). */
  metrics: Registry;
  /** The metrics-only listener without authentication, when `metrics.address` is configured. */
  metricsListener?: MetricsListener;
  stop(): Promise<void>;
}

export async function startGlobalManager(options: GlobalManagerOptions): Promise<RunningGlobalManager> {
  const { config } = options;
  // One structured logger: lines carry the controller, and inside a reconcile its key and reconcileID.
  const logger = new StructuredLogger('gm', options.log ?? ((level, line) => console[level === 'info' ? 'log' : level](line)));
  const log: Logger = (level, msg) => logger[level](msg);
  const kc = options.kubeConfig ?? new k8s.KubeConfig();
  if (!options.kubeConfig) {
    if (config.kubeConfig) kc.loadFromFile(config.kubeConfig);
    else kc.loadFromCluster();
  }
  // The many small writes, and the watches that echo them back, take the local socket when there is one.
  const client = new KubeClient(kc, config.apiSocket ? { socketPath: config.apiSocket } : {});
  const manager = new ControllerManager(kc, logger, {}, config.apiSocket || undefined);
  const metrics = gmMetrics(manager);
  const router = new ChannelRouter();
  const nodes = new NodeLifecycle(client, (m) => log('info', m), options.runPodsOnLocalControllers);

  configureJobCredentials(config.jobCredentialSecret);
  const embedded = options.runPodsOnLocalControllers;
  // Embedded mode scales autoscaled joint inference workers itself, from their metrics read through their LCs.
  const autoscaler = embedded ? new EmbeddedAutoscaler(scrapeThroughNodeApi(manager.reader('Node'), options.nodeApiClient), client, config.autoscaling.syncPeriodSeconds * 1000) : undefined;
  const features = registerFeatures({
    manager,
    client,
    router,
    addressing: embedded ? embeddedAddressing : () => kubernetesAddressing(config.localController.server),
    embedded,
    config,
    ...(autoscaler ? { autoscaler } : {}),
  });
  if (features.unserved.length > 0) log('warn', `no feature serves ${features.unserved.join(', ')}: their objects get a NotServed condition`);
  const nodeReader = manager.reader('Node');
  // Asked before the manager starts: informers made later would not be started.
  const ownership: OwnershipCaches = {
    pods: manager.reader('Pod'),
    datasets: manager.reader('Dataset'),
    jobs: Object.fromEntries(features.workerReportKinds.map((kind) => [kind.toLowerCase(), manager.reader(kind)])),
  };
  await manager.start();

  // The embedded API has no namespace until someone makes it; on a cluster the release namespace exists.
  if (options.runPodsOnLocalControllers) await ensureNamespace(client, config.credentials.namespace);
  const credentials = new NodeCredentials({
    kc,
    client,
    namespace: config.credentials.namespace,
    sharedToken: config.nodeToken,
    ca: options.ca ? new CertificateAuthority(options.ca.cert, options.ca.key) : undefined,
    createNodes: options.runPodsOnLocalControllers,
    log: (level, msg) => log(level, msg),
  });
  await credentials.start();
  const ownServer = options.server === undefined;
  const server = options.server ?? new GmServer(options.tls ? { tls: options.tls } : {});
  if (ownServer) {
    await server.listen(config.websocket.address, config.websocket.port);
    server.route('/healthz', (_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n'));
  }
  server.route(BOOTSTRAP_PATH, credentials.bootstrapRoute);

  // Read once: the environment is a slow lookup, and this is on the path of every upstream report.
  const measure = measuring();
  const hub = new NodeHub(
    {
      authenticate: (token, node) => credentials.authenticate(token, node),
      server: server.server,
      host: config.websocket.address,
      port: config.websocket.port,
      nodeGracePeriodMs: config.nodeGracePeriodSeconds * 1000,
    },
    {
      onNodeHello: (hello) => nodes.onHello(hello),
      onNodeReady: (node, ready, reason, message) => nodes.onReady(node, ready, reason, message),
      onNodeHeartbeat: (node) => nodes.onHeartbeat(node),
      onNodeConditions: (node, conditions) => nodes.onConditions(node, conditions),
      onUpstream: async (node, message) => {
        // Nodes report only on their own objects (a pod bound to them, a dataset on them, a job with a worker there).
        checkOwnership(ownership, node, message);
        // Events a worker reported with its status (a flow unit that failed on an item): Events on its Pod.
        await recordWorkerEvents({ client, pods: ownership.pods, jobs: ownership.jobs }, node, message, (m) => log('warn', m));
        if (!onlyEvents(message)) await router.upstream(node, message);
        if (measure) metrics.hub.upstreamMessages.inc({ kind: message.header.resourceKind });
      },
      resyncFor: async (node): Promise<DownstreamMessage[]> => router.resyncFor(node),
    },
  );
  await hub.start();
  credentials.onRevoked((node, why) => hub.disconnect(node, `credential revoked: ${why}`));
  metrics.attachHub(hub);
  // /metrics on the GM's port (with the node token, as the metrics work made it), beside the bootstrap route.
  const metricsToken = config.metrics.token || config.nodeToken;
  const metricsRoute = metricsToken ? metrics.route(metricsToken) : undefined;
  server.route('/metrics', (req, res) => {
    // No token configured: refused rather than compared with "" (which `Authorization: Bearer ` would match).
    if (!metricsRoute) res.writeHead(401, { 'Content-Type': 'text/plain' }).end('unauthorized: no token is configured for /metrics on this port (metrics.token); scrape metrics.address instead\n');
    else if (!metricsRoute(req, res)) res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such path: /metrics\n');
  });
  const metricsListener = config.metrics.address ? await startMetricsListener(parseListenAddress(config.metrics.address, 'metrics.address'), metrics.registry) : undefined;
  router.attach(hub);
  nodes.watchForAbsentNodes(() => nodeReader.list(), config.nodeGracePeriodSeconds * 1000);
  const address = hub.address();
  const hubUrl = server.url(config.websocket.address);
  log('info', `local controllers connect to ${hubUrl}`);
  return {
    hubUrl,
    hubPort: address.port,
    manager,
    client,
    connectedNodes: () => hub.connectedNodes(),
    metrics: metrics.registry,
    ...(metricsListener ? { metricsListener } : {}),
    stop: async () => {
      await metricsListener?.close();
      nodes.stop();
      await hub.close();
      server.route(BOOTSTRAP_PATH, undefined);
      if (ownServer) await server.close();
      await credentials.stop();
      await manager.stop();
      client.close();
    },
  };
}

async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.create('Namespace', '', { metadata: { name } });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}
