/**
 * `sedna up`: the all-in-one mode. The control plane (API server and GM) and one local controller per node (a
 * cloud node and N edge nodes) run as separate processes on this machine, as they would on separate hosts. It
 * waits until every node is Ready, says how to use the kubeconfig, and runs until interrupted, restarting any part
 * that dies (supervisor.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import type { StoreSync } from '@sedna/apiserver';
import { KubeClient } from '@sedna/gm';
import { controlPlaneInfoPath, readControlPlaneInfo } from '../paths.js';
import type { BrokerKind } from './broker.js';
import { Supervisor } from './supervisor.js';
import { waitUntil } from '@sedna/api/runtime';

export interface UpOptions {
  dataDir: string;
  edgeNodes: number;
  apiPort: number;
  hubPort: number;
  /** Knowledge base server port (lifelong learning); default 0, any free one. */
  kbPort?: number;
  datasetRoots: string[];
  /** Seconds without heartbeats before a node is NotReady (default 40). */
  nodeGracePeriodSeconds?: number;
  /** Seconds between the embedded autoscaler's readings of autoscaled workers' metrics (default 15). */
  hpaSyncPeriodSeconds?: number;
  /** The API server's write durability (see `sedna control-plane --store-sync`). */
  storeSync?: StoreSync;
  /** Heartbeat period of the local controllers. */
  heartbeatMs?: number;
  /** The message broker of multi-edge workers with kafkaSupport (`nats`: Debian's nats-server with JetStream). */
  broker?: BrokerKind;
  /** Its port (default 0, any free one). */
  brokerPort?: number;
  /** A Prometheus whose queries the web console charts (`--prometheus-url`). */
  prometheusUrl?: URL;
  log?: (msg: string) => void;
}

export interface UpHandle {
  dataDir: string;
  kubeconfig: string;
  /** The multi-edge broker's nats:// URL, when it runs one. */
  brokerUrl?: string;
  nodes: string[];
  /** The processes running now (a restarted part has a new one). */
  readonly children: ChildProcess[];
  /** The pid of a part (control-plane, cloud-node, edge-node-N) now. */
  pid(name: string): number | undefined;
  stop(): Promise<void>;
}

// The parts run the built CLI (also when this module is loaded from its TypeScript source, as in tests).
const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Waits for a part of the control plane; a part that failed ends the wait at once. */
const waitFor = <T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, failed: () => string | undefined): Promise<T> =>
  waitUntil(what, check, { timeoutMs, intervalMs: 100, failed });

export async function up(options: UpOptions): Promise<UpHandle> {
  const log = options.log ?? ((m: string) => console.log(m));
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  if (existsSync(controlPlaneInfoPath(dataDir))) rmSync(controlPlaneInfoPath(dataDir));
  const supervisor = new Supervisor(log);
  const anyExited = () => supervisor.firstExit();
  const stop = (): Promise<void> => supervisor.stop();

  try {
    log(`starting the control plane (API server and GM) in ${dataDir}`);
    // Restarted on the ports of its first start: the kubeconfig, the LCs and the workers keep their addresses.
    let ports = { api: options.apiPort, hub: options.hubPort, kb: options.kbPort ?? 0, broker: options.brokerPort ?? 0 };
    supervisor.start({
      name: 'control-plane',
      args: () => [main, 'control-plane', '--allow-shared-token', '--data-dir', dataDir, '--port', String(ports.api), '--hub-port', String(ports.hub), '--kb-port', String(ports.kb), ...(options.broker ? ['--broker', options.broker, '--broker-port', String(ports.broker)] : []), ...(options.nodeGracePeriodSeconds ? ['--node-grace-period', String(options.nodeGracePeriodSeconds)] : []), ...(options.storeSync ? ['--store-sync', options.storeSync] : []), ...(options.hpaSyncPeriodSeconds ? ['--hpa-sync-period', String(options.hpaSyncPeriodSeconds)] : []), ...(options.prometheusUrl ? ['--prometheus-url', options.prometheusUrl.href] : [])],
    });
    const info = await waitFor('the control plane', () => readControlPlaneInfo(dataDir), 60_000, anyExited);
    ports = { api: Number(new URL(info.apiUrl).port), hub: Number(new URL(info.hubUrl).port), kb: Number(new URL(info.kbUrl).port), broker: info.brokerUrl ? Number(new URL(info.brokerUrl).port) : 0 };
    const nodes = ['cloud-node', ...Array.from({ length: options.edgeNodes }, (_, i) => `edge-node-${i + 1}`)];
    for (const node of nodes) {
      supervisor.start({
        name: node,
        args: () => [
          main,
          'join',
          '--gm', info.hubUrl,
          // The token's file, never the token: a command line is readable by every user in /proc. Every node is on this
          // machine: the shared token buys each its own credential at its first start.
          '--token-file', info.nodeTokenFile,
          '--ca', info.caFile,
          '--node-name', node,
          '--role', node.startsWith('cloud') ? 'cloud' : 'edge',
          '--data-dir', join(dataDir, 'nodes', node),
          '--address', '127.0.0.1',
          ...options.datasetRoots.flatMap((r) => ['--dataset-root', r]),
          ...(options.heartbeatMs ? ['--heartbeat-ms', String(options.heartbeatMs)] : []),
        ],
      });
    }
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(info.kubeconfig);
    const client = new KubeClient(kc);
    await waitFor(
      `${nodes.length} nodes Ready`,
      async () => {
        const list = await client.request<{ items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[] }>('GET', '/api/v1/nodes');
        const ready = list.items.filter((n) => nodes.includes(n.metadata.name) && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        return ready.length === nodes.length ? true : undefined;
      },
      60_000,
      anyExited,
    );
    client.close();
    supervisor.superviseFromNow();
    log(`\nSedna is up: ${nodes.length} nodes Ready (${nodes.join(', ')}).`);
    log(`  export KUBECONFIG=${info.kubeconfig}`);
    log('  kubectl get nodes        (or: sedna get nodes)');
    if (info.prometheusConfig) log(`  metrics: prometheus --config.file=${info.prometheusConfig}`);
    if (info.brokerUrl) log(`  broker (multi-edge kafkaSupport): ${info.brokerUrl}`);
    if (info.consoleUrl) log(`  web console: ${info.consoleUrl}  (log in with the token in ${join(dataDir, 'apiserver', 'token')}; the CA is ${info.caFile})`);
    return {
      dataDir,
      kubeconfig: info.kubeconfig,
      ...(info.brokerUrl ? { brokerUrl: info.brokerUrl } : {}),
      nodes,
      get children() {
        return supervisor.children();
      },
      pid: (name) => supervisor.pid(name),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
