/**
 * The GlobalManager: the controllers of every feature over a Kubernetes API (the embedded one or a real cluster),
 * and the websocket hub local controllers connect to.
 */
import * as k8s from '@kubernetes/client-node';
import type { DownstreamMessage } from '@sedna/api';
import { ChannelRouter } from './channel/router.js';
import type { GmConfig } from './config.js';
import { DatasetController } from './controllers/dataset/controller.js';
import { FederatedLearningController } from './controllers/federatedlearning/controller.js';
import { incrementalLearning } from './controllers/incrementallearning/controller.js';
import { lifelongLearning } from './controllers/lifelonglearning/controller.js';
import { StageJobController } from './controllers/stagejob/controller.js';
import { JointInferenceController } from './controllers/jointinference/controller.js';
import { EmbeddedAutoscaler } from './controllers/jointinference/autoscaling/embedded-autoscaler.js';
import { scrapeThroughNodeApi, type NodeApiClientIdentity } from './controllers/jointinference/autoscaling/worker-scrape.js';
import { multiEdgeControllers } from './controllers/multiedge/index.js';
import { embeddedAddressing, kubernetesAddressing } from './workers/addressing.js';
import { PodController } from './controllers/pod/controller.js';
import { ClaimResolver } from './controllers/pod/claims.js';
import { SchedulerController } from './controllers/scheduler/controller.js';
import { References } from './workers/references.js';
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
  const log: Logger = options.log ?? ((level, msg) => console[level === 'info' ? 'log' : level](`[gm] ${msg}`));
  const kc = options.kubeConfig ?? new k8s.KubeConfig();
  if (!options.kubeConfig) {
    if (config.kubeConfig) kc.loadFromFile(config.kubeConfig);
    else kc.loadFromCluster();
  }
  // Watches stay on the kubeconfig's server; the many small writes take the local socket when there is one.
  const client = new KubeClient(kc, config.apiSocket ? { socketPath: config.apiSocket } : {});
  const manager = new ControllerManager(kc, log);
  const metrics = gmMetrics(manager);
  const router = new ChannelRouter();
  const nodes = new NodeLifecycle(client, (m) => log('info', m), options.runPodsOnLocalControllers);

  manager.add(new DatasetController(manager.informer('Dataset'), router, client, (m) => log('warn', m)));
  if (options.runPodsOnLocalControllers) {
    const claims = manager.informer('PersistentVolumeClaim');
    manager.add(new PodController(manager.informer('Pod'), router, client, { resolver: new ClaimResolver(claims, manager.informer('PersistentVolume')), informer: claims }));
  }
  const nodeInformer = manager.informer('Node');
  if (options.runPodsOnLocalControllers) manager.add(new SchedulerController(manager.informer('Pod'), nodeInformer, client));
  const references = new References({ datasets: manager.informer('Dataset'), models: manager.informer('Model'), nodes: nodeInformer });
  configureJobCredentials(config.jobCredentialSecret);
  const addressing = options.runPodsOnLocalControllers
    ? embeddedAddressing(nodeInformer, manager.informer('Service'))
    : kubernetesAddressing(config.localController.server);
  manager.add(
    new FederatedLearningController(manager.informer('FederatedLearningJob'), manager.informer('Model'), manager.informer('Dataset'), manager.informer('Pod'), manager.informer('Service'), nodeInformer, client, addressing, router, references),
  );
  for (const kind of [incrementalLearning, lifelongLearning]) {
    manager.add(new StageJobController(kind, manager.informer(kind.kind), manager.informer('Model'), manager.informer('Dataset'), manager.informer('Pod'), client, addressing, router, config.knowledgeBaseServer.server, references));
  }
  // Embedded mode scales autoscaled joint inference workers itself, from their metrics read through their LCs.
  const autoscaler = options.runPodsOnLocalControllers ? new EmbeddedAutoscaler(scrapeThroughNodeApi(nodeInformer, options.nodeApiClient), client, config.autoscaling.syncPeriodSeconds * 1000) : undefined;
  manager.add(
    new JointInferenceController(manager.informer('JointInferenceService'), manager.informer('Model'), manager.informer('Pod'), manager.informer('Service'), client, addressing, router, references, options.runPodsOnLocalControllers ? undefined : manager.informer('Deployment'), autoscaler),
  );
  for (const c of multiEdgeControllers({ pods: manager.informer('Pod'), services: manager.informer('Service'), nodes: nodeInformer, models: manager.informer('Model'), client, addressing, ...(config.broker.url ? { brokerUrl: config.broker.url } : {}), ...(options.runPodsOnLocalControllers ? {} : { deployments: manager.informer('Deployment') }) }, (kind) => manager.informer(kind), router)) manager.add(c);
  // Asked before the manager starts: informers made later would not be started.
  const ownership: OwnershipCaches = {
    pods: manager.informer('Pod'),
    datasets: manager.informer('Dataset'),
    jobs: Object.fromEntries(['JointInferenceService', 'FederatedLearningJob', 'IncrementalLearningJob', 'LifelongLearningJob'].map((kind) => [kind.toLowerCase(), manager.informer(kind)])),
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
        if (measuring()) metrics.hub.upstreamMessages.inc({ kind: message.header.resourceKind });
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
  nodes.watchForAbsentNodes(() => nodeInformer.list(), config.nodeGracePeriodSeconds * 1000);
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
