/**
 * `sedna up`: the all-in-one mode. The control plane (API server and GM) and one local controller per node (a
 * cloud node and N edge nodes) run as separate processes on this machine, as they would on separate hosts. It
 * waits until every node is Ready, says how to use the kubeconfig, and runs until interrupted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { KubeClient } from '@sedna/gm';
import { controlPlaneInfoPath, readControlPlaneInfo } from '../paths.js';
import { endChild } from './child-process.js';

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
  /** Heartbeat period of the local controllers. */
  heartbeatMs?: number;
  log?: (msg: string) => void;
}

export interface UpHandle {
  dataDir: string;
  kubeconfig: string;
  nodes: string[];
  children: ChildProcess[];
  stop(): Promise<void>;
}

// The parts run the built CLI (also when this module is loaded from its TypeScript source, as in tests).
const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

function prefixed(child: ChildProcess, name: string, log: (msg: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = '';
    stream?.on('data', (c: Buffer) => {
      buffer += c.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        log(`${name} | ${buffer.slice(0, nl)}`);
        buffer = buffer.slice(nl + 1);
      }
    });
  }
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, failed: () => string | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = failed();
    if (why) throw new Error(`${what}: ${why}`);
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function up(options: UpOptions): Promise<UpHandle> {
  const log = options.log ?? ((m: string) => console.log(m));
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  if (existsSync(controlPlaneInfoPath(dataDir))) rmSync(controlPlaneInfoPath(dataDir));
  const children: ChildProcess[] = [];
  const exited = new Map<ChildProcess, string>();
  const startChild = (name: string, args: string[]): ChildProcess => {
    const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    prefixed(child, name, log);
    child.on('exit', (code, signal) => exited.set(child, `${name} exited (${signal ?? code})`));
    children.push(child);
    return child;
  };
  const anyExited = () => [...exited.values()][0];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => endChild(c)));
  };

  try {
    log(`starting the control plane (API server and GM) in ${dataDir}`);
    startChild('control-plane', ['control-plane', '--allow-shared-token', '--data-dir', dataDir, '--port', String(options.apiPort), '--hub-port', String(options.hubPort), '--kb-port', String(options.kbPort ?? 0), ...(options.nodeGracePeriodSeconds ? ['--node-grace-period', String(options.nodeGracePeriodSeconds)] : [])]);
    const info = await waitFor('the control plane', () => readControlPlaneInfo(dataDir), 60_000, anyExited);
    const nodes = ['cloud-node', ...Array.from({ length: options.edgeNodes }, (_, i) => `edge-node-${i + 1}`)];
    for (const node of nodes) {
      startChild(node, [
        'join',
        '--gm', info.hubUrl,
        // Every node is on this machine: the shared token buys each its own credential at its first start.
        '--token-file', info.nodeTokenFile,
        '--ca', info.caFile,
        '--node-name', node,
        '--role', node.startsWith('cloud') ? 'cloud' : 'edge',
        '--data-dir', join(dataDir, 'nodes', node),
        '--address', '127.0.0.1',
        ...options.datasetRoots.flatMap((r) => ['--dataset-root', r]),
        ...(options.heartbeatMs ? ['--heartbeat-ms', String(options.heartbeatMs)] : []),
      ]);
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
    log(`\nSedna is up: ${nodes.length} nodes Ready (${nodes.join(', ')}).`);
    log(`  export KUBECONFIG=${info.kubeconfig}`);
    log('  kubectl get nodes        (or: sedna get nodes)');
    if (info.prometheusConfig) log(`  metrics: prometheus --config.file=${info.prometheusConfig}`);
    return { dataDir, kubeconfig: info.kubeconfig, nodes, children, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
