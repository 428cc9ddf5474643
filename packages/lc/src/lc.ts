/**
 * The LocalController of one node: the GM client (hello, resync, downstream objects, an on-disk outbox for
 * upstream reports), the dataset manager, the worker report endpoint, the node API for logs, and in embedded mode
 * the process runner for the Pods bound to this node.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DownstreamMessage, NodeAddress, UpstreamMessage } from '@sedna/api';
import { messageKey } from '@sedna/api';
import { Logger } from '@sedna/api/runtime';
import { GmClient, planResync } from './gmclient/index.js';
import { nodeFacts } from './nodeinfo/node-info.js';
import type { DatasetManager } from './managers/dataset/index.js';
import { DatasetFeatureManager } from './managers/dataset/feature.js';
import type { LcFeatureContext } from './managers/feature.js';
import { makeManagers } from './managers/registry.js';
import { NodeApi } from './nodeapi/node-api.js';
import { ProcessRunner } from './runner/index.js';
import { DEFAULT_REPORT_PORT, WorkerReportServer } from './server/index.js';
import { lcMetrics } from './metrics/lc-metrics.js';
import { logSearchRoute } from './logsearch/index.js';
import { METRICS_SOCKET_ENV, claimWorkerMetricsSocket, workerMetricsSocket } from './metrics/worker-socket.js';
import { startMetricsListener, type MetricsListener } from '@sedna/metrics';
import { choosePort, readStablePorts, writeStablePorts } from './ports/stable-ports.js';
import { DiskPressure, queueWorkerReport } from './diskpressure/index.js';

export const LC_VERSION = '0.1.0';
import { LC_PORT_LABEL as REPORT_PORT_LABEL, NODE_API_PORT_LABEL, NODE_ROLE_LABEL as ROLE_LABEL } from '@sedna/api';

/** The node labels the LC sets, under the names its importers (the CLI) know; the keys are defined once, in @sedna/api. */
export { ROLE_LABEL, NODE_API_PORT_LABEL, REPORT_PORT_LABEL };

export interface LocalControllerOptions {
  nodeName: string;
  role: 'cloud' | 'edge';
  /** The GM's channel, ws:// or wss://; several for GM replicas. */
  gmUrl: string | string[];
  /** This node's token for the GM channel (its own credential, or in tests a shared token). */
  token: string;
  /** The node API's certificate and key, and the CA of its callers: it then serves TLS only (see NodeApi). */
  nodeApiTls?: { cert: string; key: string; ca: string };
  /** CA to trust for wss:// (a self-signed GM). */
  gmCa?: string;
  dataDir: string;
  /** The node's address: Node InternalIP, and hostIP/podIP of its embedded pods. */
  address: string;
  /** Worker report endpoint (LC_SERVER); 9100 by default, 0 for any. */
  reportPort?: number;
  /** Node API (logs); 0 for any. */
  nodeApiPort?: number;
  /** Run the Pods bound to this node as processes (embedded mode). */
  runPods: boolean;
  /** Folders datasets may be read from. */
  datasetRoots: string[];
  datasetCheckIntervalMs?: number;
  heartbeatMs?: number;
  maxGracePeriodSeconds?: number;
  /** Also serve /metrics without authentication on this address (a listener serving nothing else). */
  metricsAddress?: { host: string; port: number };
  log?: (msg: string) => void;
}

export interface RunningLocalController {
  reportPort: number;
  nodeApiPort: number;
  runner?: ProcessRunner;
  datasets: DatasetManager;
  client: GmClient;
  metricsListener?: MetricsListener;
  close(): Promise<void>;
}

function statusMessage(kind: string, namespace: string, name: string, content: Record<string, unknown>): UpstreamMessage {
  return { header: { namespace, resourceKind: kind, resourceName: name, operation: 'status' }, content };
}

/** Listens on the saved port; when another process took it meanwhile, on any port (and says so). */
async function listenOrAny(what: string, listen: (port?: number) => Promise<{ host: string; port: number }>, fromSaved: boolean, log: (m: string) => void): Promise<{ host: string; port: number }> {
  try {
    return await listen();
  } catch (err) {
    if (!fromSaved) throw err;
    log(`the ${what} port of the last start is taken (${(err as Error).message}); listening on another one: workers started before this restart cannot reach the new one`);
    return listen(0);
  }
}

export async function startLocalController(options: LocalControllerOptions): Promise<RunningLocalController> {
  // One structured logger: lines name the node (and, inside a work queue's run, its key and run id).
  const logger = new Logger('lc').with({ node: options.nodeName });
  const log = options.log ?? ((m: string) => logger.info(m));
  // Reports go to the GM client's on-disk outbox; the client is made once the ports it announces are known.
  const channel: { client?: GmClient } = {};
  const upstream = (message: UpstreamMessage): void => {
    if (!channel.client) return;
    channel.client.sendUpstream(message).catch((err: unknown) => log(`cannot queue an upstream report: ${(err as Error).message}`));
  };
  const disk = new DiskPressure({ dir: options.dataDir, log });
  // A worker's report is acknowledged only once it is in the outbox on disk (see queueWorkerReport).
  let clientReady: (client: GmClient) => void = () => undefined;
  const clientMade = new Promise<GmClient>((resolve) => (clientReady = resolve));

  const runnerDir = join(options.dataDir, 'runner');
  const runner = options.runPods
    ? new ProcessRunner({
        dataDir: runnerDir,
        workerEnv: (pod) => ({ [METRICS_SOCKET_ENV]: claimWorkerMetricsSocket(runnerDir, pod.metadata.namespace, pod.metadata.name) }),
        hostIP: options.address,
        onStatus: (pod, status) => upstream(statusMessage('pod', pod.metadata.namespace, pod.metadata.name, { uid: pod.metadata.uid, status: status as unknown as Record<string, unknown> })),
        ...(options.maxGracePeriodSeconds !== undefined ? { maxGracePeriodSeconds: options.maxGracePeriodSeconds } : {}),
      })
    : undefined;

  /** Objects this LC holds, by message key, so a resync can drop the ones the GM no longer sends. */
  const held = new Map<string, DownstreamMessage>();
  // The features' managers (managers/registry.ts): the dataset manager first, the stage-job managers read it.
  const made: { datasets?: DatasetManager } = {};
  const featureContext: LcFeatureContext = {
    nodeName: options.nodeName,
    dataDir: options.dataDir,
    datasetRoots: options.datasetRoots,
    ...(options.datasetCheckIntervalMs ? { datasetCheckIntervalMs: options.datasetCheckIntervalMs } : {}),
    ...(runner ? { runner } : {}),
    disk,
    datasets: () => {
      if (!made.datasets) throw new Error('the dataset manager is not made yet: the dataset feature registers first');
      return made.datasets;
    },
    upstream: (kind, namespace, name, content) => upstream(statusMessage(kind, namespace, name, content)),
    datasetChanged: (key) => {
      for (const manager of managers.all) manager.datasetChanged?.(key);
    },
    latest: (key) => held.get(key),
    log,
  };
  const managers = makeManagers(featureContext);
  const datasets = managers.all.find((m): m is DatasetFeatureManager => m instanceof DatasetFeatureManager)?.datasets;
  if (!datasets) throw new Error('no dataset feature is registered in the LC');
  made.datasets = datasets;

  const metrics = lcMetrics(
    { pendingUpstream: () => channel.client?.pendingUpstream() ?? 0, podPhases: () => runner?.list().map((p) => p.status.phase ?? 'Unknown') ?? [] },
    (namespace, name) => (runner?.list().some((p) => p.namespace === namespace && p.name === name) ? workerMetricsSocket(runnerDir, namespace, name) : undefined),
  );
  // Ports of the last start when "any" was asked: a restarted LC keeps its running workers' LC_SERVER valid.
  mkdirSync(options.dataDir, { recursive: true });
  const saved = readStablePorts(options.dataDir);
  const reports = new WorkerReportServer({
    host: '127.0.0.1',
    port: choosePort(options.reportPort, saved.reportPort, DEFAULT_REPORT_PORT),
    isKnownWorker: (name, namespace) => runner?.hasWorker(name, namespace) ?? true,
    ...(runner ? { workerOwner: (name: string, namespace: string) => runner.workerOwner(name, namespace) } : {}),
    warn: log,
  });
  // Worker reports of the features go up as the original's status messages: {phase, status, output}. All of
  // them, also of stage jobs this LC does not hold: the GM sends a job only to the nodes of its dataset and its
  // inference worker, while its train and eval workers may run here. The GM refuses reports of unknown jobs.
  for (const kind of managers.reportKinds) {
    reports.register(kind, async (report) => {
      metrics.metrics.workerReports.inc({ kind });
      // A report that carries only events (no results, no ownerInfo) is not a status of the job: its message has
      // the events and no phase. The GM makes the events Kubernetes Events on the worker's Pod.
      const onlyEvents = report.events !== undefined && !report.results && !report.ownerInfo;
      await queueWorkerReport(
        await clientMade,
        disk,
        statusMessage(kind, report.namespace, report.ownerName, {
          ...(onlyEvents
            ? {}
            : {
                phase: report.kind,
                status: report.status,
                output: { ...(report.results ? { models: report.results } : {}), ...(report.ownerInfo ? { ownerInfo: report.ownerInfo } : {}) },
              }),
          ...(report.events ? { worker: report.name, events: report.events } : {}),
        }),
      );
    });
  }
  const reportAddress = await listenOrAny('worker report', (port) => reports.listen(port), saved.reportPort !== undefined && options.reportPort === 0, log);
  const nodeApi = new NodeApi({
    host: options.address,
    port: choosePort(options.nodeApiPort ?? 0, saved.nodeApiPort, 0),
    token: options.token,
    ...(options.nodeApiTls ? { tls: options.nodeApiTls } : {}),
    routes: [metrics.route, logSearchRoute(options.nodeName, join(runnerDir, 'pods'))],
    logs: (namespace, name, o) => {
      if (!runner) throw new Error('this local controller does not run pods');
      const key = `${namespace}/${name}`;
      return o.follow && !o.previous ? runner.logs(key, { ...o, follow: true, previous: false }) : runner.logs(key, { ...(o.tail !== undefined ? { tail: o.tail } : {}), ...(o.previous ? { previous: true } : {}) });
    },
  });
  const nodeApiAddress = await listenOrAny('node API', (port) => nodeApi.listen(port), saved.nodeApiPort !== undefined && (options.nodeApiPort ?? 0) === 0, log);
  writeStablePorts(options.dataDir, { reportPort: reportAddress.port, nodeApiPort: nodeApiAddress.port });

  const apply = async (message: DownstreamMessage): Promise<void> => {
    const key = messageKey(message.header);
    if (message.header.operation === 'delete') held.delete(key);
    else held.set(key, message);
    const manager = managers.byKind.get(message.header.resourceKind);
    if (manager) await manager.apply(message);
    else log(`ignoring downstream ${message.header.resourceKind} ${message.header.namespace}/${message.header.resourceName}: no LC feature holds that kind (managers/registry.ts)`);
  };

  const labels: Record<string, string> = { [ROLE_LABEL]: options.role, [NODE_API_PORT_LABEL]: String(nodeApiAddress.port), [REPORT_PORT_LABEL]: String(reportAddress.port) };
  if (options.role === 'edge') labels['node-role.kubernetes.io/edge'] = '';
  const addresses: NodeAddress[] = [
    { type: 'InternalIP', address: options.address },
    { type: 'Hostname', address: options.nodeName },
  ];
  const client = new GmClient(
    {
      url: options.gmUrl,
      token: options.token,
      nodeName: options.nodeName,
      version: LC_VERSION,
      ...nodeFacts(LC_VERSION),
      addresses,
      labels,
      outboxPath: join(options.dataDir, 'outbox.db'),
      ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
      ...(options.gmCa ? { ca: options.gmCa } : {}),
      conditions: () => disk.conditions(),
    },
    {
      onMessage: (message) => apply(message),
      onResync: async (messages) => {
        const plan = planResync(held.keys(), messages);
        for (const key of plan.removals) {
          const old = held.get(key);
          if (old) await apply({ ...old, header: { ...old.header, operation: 'delete' } });
        }
        for (const message of plan.upserts) await apply(message);
        // Pods re-adopted after an LC restart that the GM no longer lists were deleted meanwhile: stop them.
        if (runner) {
          const listed = new Set(messages.filter((m) => m.header.resourceKind === 'pod').map((m) => `${m.header.namespace}/${m.header.resourceName}`));
          for (const pod of runner.list()) if (!listed.has(`${pod.namespace}/${pod.name}`)) await runner.stop(`${pod.namespace}/${pod.name}`);
        }
      },
      onConnectionChange: (connected) => {
        metrics.metrics.connected.set(connected ? 1 : 0);
        log(connected ? 'connected to the GM' : 'disconnected from the GM');
      },
      onAcknowledged: (seconds) => metrics.metrics.ackLatency.observe(seconds),
    },
  );
  channel.client = client;
  clientReady(client);
  // Statuses of pods that ran on while the LC was down go to the outbox now, before the first connect.
  if (runner) {
    const adopted = await runner.recover();
    if (adopted > 0) log(`re-adopted ${adopted} pod(s) from before a restart`);
  }
  await client.start();
  const metricsListener = options.metricsAddress ? await startMetricsListener(options.metricsAddress, metrics.registry) : undefined;
  log(`node ${options.nodeName} (${options.role}) at ${options.address}: worker reports on 127.0.0.1:${reportAddress.port}, node API on ${nodeApiAddress.host}:${nodeApiAddress.port}`);

  return {
    reportPort: reportAddress.port,
    nodeApiPort: nodeApiAddress.port,
    ...(runner ? { runner } : {}),
    datasets,
    client,
    ...(metricsListener ? { metricsListener } : {}),
    close: async () => {
      await metricsListener?.close();
      await client.close();
      disk.close();
      for (const manager of managers.all) await manager.close();
      await reports.close();
      await nodeApi.close();
      // Workers keep running: a restarted LC re-adopts them (see runner/README.md).
      runner?.close();
    },
  };
}
