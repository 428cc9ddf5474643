/**
 * `simulation{cloud_number, edge_number, links}`: the project's embedded control plane with that many nodes, no
 * Docker and no kind (Ianvs pipes Sedna's all-in-one.sh into bash for a kind cluster). The control plane runs as
 * a process of the `sedna` command; the nodes' local controllers run with `sedna join`'s code in node hosts
 * (node-host.ts) started at the same time; with links, each edge node's controller runs in its own network
 * namespace behind tc netem. stop() ends every process and removes the namespaces; the
 * job calls it after the cases, on failure and on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import type { SimulationConfig } from '../config/benchmarkingjob.js';
import type { SimulationTarget } from '../cases/spec.js';
import { fileURLToPath } from 'node:url';
import { createLinks, deleteLink, linkBytes, linkSupportProblem, type EdgeLink } from './links.js';
import { waitUntil } from '@sedna/api/runtime';
import type { NodeHostOrder } from './node-host.js';

// Always the built JavaScript (also when this module runs from its TypeScript sources), as for the test cases.
const NODE_HOST = fileURLToPath(new URL('../../dist/simulation/node-host.js', import.meta.url));

export interface Simulation {
  target: SimulationTarget;
  startupSeconds: number;
  links: EdgeLink[];
  /** Bytes on each emulated link so far, by edge node name. */
  bytesPerLink(): Record<string, number>;
  stop(): Promise<void>;
}

/** The sedna command's entry (packages/cli/dist/main.js), found through the workspace package. */
export function sednaMain(): string {
  let main: string;
  try {
    // The package's entry is dist/index.js, or src/index.ts under the "source" condition (tests, benchmarks).
    main = join(dirname(dirname(createRequire(import.meta.url).resolve('@sedna/cli'))), 'dist', 'main.js');
  } catch {
    throw new Error('simulation needs the sedna command (@sedna/cli): install the workspace (npm install) and build it (npm run build)');
  }
  if (!existsSync(main)) throw new Error(`simulation needs the built sedna command at ${main}: run npm run build`);
  return main;
}

function end(child: ChildProcess): Promise<void> {
  return new Promise((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolvePromise();
    });
    child.kill('SIGTERM');
  });
}

export interface Kubeconfig {
  server: string;
  token: string;
  ca: Buffer;
}

export function readKubeconfig(file: string): Kubeconfig {
  const kc = parse(readFileSync(file, 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string } }[]; users: { user: { token: string } }[] };
  const cluster = kc.clusters[0]?.cluster;
  const token = kc.users[0]?.user.token;
  if (!cluster || !token) throw new Error(`${file}: no cluster or token`);
  const ca = cluster['certificate-authority-data'] ? Buffer.from(cluster['certificate-authority-data'], 'base64') : readFileSync(cluster['certificate-authority'] as string);
  return { server: cluster.server, token, ca };
}

/** GET of an API path with the kubeconfig's token; a request unanswered for 30 s fails (callers poll with deadlines). */
export function getJson(kc: Kubeconfig, path: string): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    const req = request(new URL(path, kc.server), { ca: kc.ca, headers: { authorization: `Bearer ${kc.token}` } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolvePromise(JSON.parse(body)) : reject(new Error(`GET ${path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`GET ${path}: no answer within 30 s`)));
    req.end();
  });
}

export interface StartOptions {
  /** Called before anything starts with the function that stops it all (Ctrl-C during the start-up). */
  onStarting?: (stop: () => Promise<void>) => void;
}

export async function startSimulation(config: SimulationConfig, dataDir: string, log: (line: string) => void, options: StartOptions = {}): Promise<Simulation> {
  const started = Date.now();
  if (config.links.length > 0) {
    const problem = linkSupportProblem(config.links);
    if (problem) throw new Error(`simulation.links: ${problem}`);
  }
  const main = sednaMain();
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const children: ChildProcess[] = [];
  const output: string[] = [];
  const exited: string[] = [];
  // Node hosts read their order on stdin (and stop when it closes); the control plane reads nothing.
  const startChild = (name: string, command: string, args: string[], netns?: string): ChildProcess => {
    const stdio: ['pipe' | 'ignore', 'pipe', 'pipe'] = [command === NODE_HOST ? 'pipe' : 'ignore', 'pipe', 'pipe'];
    const child = netns ? spawn('ip', ['netns', 'exec', netns, process.execPath, command, ...args], { stdio }) : spawn(process.execPath, [command, ...args], { stdio });
    for (const s of [child.stdout, child.stderr]) s?.on('data', (c: Buffer) => output.push(`${name} | ${c.toString()}`.slice(0, 2000)) && output.length > 200 && output.shift());
    child.on('exit', (code, signal) => exited.push(`${name} exited (${signal ?? code})`));
    children.push(child);
    return child;
  };
  const tag = String(process.pid % 10000);
  let links: EdgeLink[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(end));
    // Workers outlive their local controller on purpose (a restarted LC adopts them): end the pods' own too.
    endPodProcesses(dataDir);
    for (const l of links) deleteLink(l);
    links = [];
  };
  options.onStarting?.(stop);
  try {
    if (config.links.length > 0) links = createLinks(config.edgeNumber, config.links, tag);
    const host = links.length > 0 ? ['--host', '0.0.0.0', '--advertise', ...links.map((l) => l.hostIp)] : [];
    log(`simulation: starting the control plane with ${config.cloudNumber} cloud and ${config.edgeNumber} edge node(s)${links.length ? ' (emulated links)' : ''}`);
    // One machine, as `sedna up`: every simulated node joins with the control plane's shared node token.
    startChild('control-plane', main, ['control-plane', '--allow-shared-token', '--data-dir', dataDir, '--port', '0', '--hub-port', '0', '--kb-port', '0', ...host]);
    const cloudNodes = Array.from({ length: config.cloudNumber }, (_, i) => (config.cloudNumber === 1 ? 'cloud-node' : `cloud-node-${i + 1}`));
    const edgeNodes = Array.from({ length: config.edgeNumber }, (_, i) => `edge-node-${i + 1}`);
    // The nodes' hosts load their code while the control plane starts (node-host.ts); they get their order below.
    const hosts = nodeHosts(cloudNodes, edgeNodes, links).map((h) => ({ ...h, child: startChild(h.name, NODE_HOST, [main], h.netns) }));
    const infoFile = join(dataDir, 'control-plane.json');
    const info = await waitFor('the control plane', () => (existsSync(infoFile) ? (JSON.parse(readFileSync(infoFile, 'utf8')) as { hubUrl: string; caFile: string; nodeTokenFile: string; kubeconfig: string }) : undefined), 60_000, exited);
    log(`simulation: control plane up after ${((Date.now() - started) / 1000).toFixed(1)} s; the nodes' local controllers join`);
    const hubPort = new URL(info.hubUrl).port;
    for (const h of hosts) {
      const order: NodeHostOrder = {
        gm: h.hubIp ? `wss://${h.hubIp}:${hubPort}/` : info.hubUrl,
        caFile: info.caFile,
        nodeTokenFile: info.nodeTokenFile,
        heartbeatMs: 1000,
        nodes: h.nodes.map((n) => ({ ...n, dataDir: join(dataDir, 'nodes', n.name) })),
      };
      h.child.stdin?.write(`${JSON.stringify(order)}\n`);
    }
    const kc = readKubeconfig(info.kubeconfig);
    const all = [...cloudNodes, ...edgeNodes];
    await waitFor(`${all.length} nodes Ready`, async () => {
      const list = (await getJson(kc, '/api/v1/nodes')) as { items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[] };
      const ready = list.items.filter((n) => all.includes(n.metadata.name) && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === all.length ? true : undefined;
    }, 60_000, exited);
    const startupSeconds = (Date.now() - started) / 1000;
    log(`simulation: ${all.length} nodes Ready in ${startupSeconds.toFixed(1)} s (${all.join(', ')})`);
    return {
      target: { kubeconfig: info.kubeconfig, cloudNodes, edgeNodes, dataDir, links: links.map((l) => ({ node: edgeNodes[l.edge - 1] as string, hostIf: l.hostIf })) },
      startupSeconds,
      links,
      bytesPerLink: () => Object.fromEntries(links.map((l) => [edgeNodes[l.edge - 1] as string, (({ toEdge, fromEdge }) => toEdge + fromEdge)(linkBytes(l))])),
      stop,
    };
  } catch (err) {
    await stop();
    throw new Error(`simulation could not start: ${(err as Error).message}${output.length ? `\n${output.slice(-10).join('')}` : ''}`, { cause: err });
  }
}

/**
 * The process groups of the pods the nodes under `dataDir` run: each pod's wrapper shell leads its group and has
 * its pod folder (`<dataDir>/nodes/<node>/runner/pods/...`) on its command line.
 */
export function endPodProcesses(dataDir: string): void {
  const marker = join(dataDir, 'nodes');
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes(marker) || !cmdline.includes('/runner/pods/')) continue;
    try {
      process.kill(-Number(entry), 'SIGKILL');
    } catch {
      try {
        process.kill(Number(entry), 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
}

interface NodeHostPlan {
  name: string;
  nodes: NodeHostOrder['nodes'][number][];
  /** The network namespace the host runs in (an edge node behind an emulated link). */
  netns?: string;
  /** The host side's address of that link, where the hub is reached from the namespace. */
  hubIp?: string;
}

/**
 * Which processes run which nodes: one for all of them without links (one module load instead of one per node);
 * with links, each edge node alone in its namespace and the cloud nodes together, at an address the namespaces
 * route to (their default route), so the cloud workers' services (the aggregator) are reachable from the edge.
 */
export function nodeHosts(cloudNodes: readonly string[], edgeNodes: readonly string[], links: readonly Pick<EdgeLink, 'ns' | 'hostIp' | 'edgeIp'>[]): NodeHostPlan[] {
  const cloud = (address: string) => cloudNodes.map((name) => ({ name, role: 'cloud' as const, dataDir: '', address }));
  if (links.length === 0) return [{ name: 'nodes', nodes: [...cloud('127.0.0.1'), ...edgeNodes.map((name) => ({ name, role: 'edge' as const, dataDir: '', address: '127.0.0.1' }))] }];
  const plans: NodeHostPlan[] = cloudNodes.length > 0 ? [{ name: 'cloud nodes', nodes: cloud(links[0]?.hostIp as string) }] : [];
  edgeNodes.forEach((name, i) => {
    const link = links[i];
    if (!link) throw new Error(`simulation.links: no link for ${name}`);
    plans.push({ name, nodes: [{ name, role: 'edge', dataDir: '', address: link.edgeIp }], netns: link.ns, hubIp: link.hostIp });
  });
  return plans;
}

/** Waits for a part of the cluster; a process that exited ends the wait at once. */
const waitFor = <T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, exited: string[]): Promise<T> =>
  waitUntil(what, check, { timeoutMs, intervalMs: 50, failed: () => exited[0] });
