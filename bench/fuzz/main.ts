/**
 * Fuzz campaign over every entry point, seeded and bounded:
 * - the entry points of a running `sedna up --edge-nodes 1`: the API server (HTTPS), the GM's hub (WSS upgrade), the
 *   knowledge base, and each LC's worker report endpoint and node API;
 * - the in-process set of kit/entry-points.ts in a child process (API server, hub, an LC whose reports the hub
 *   counts, knowledge base, aggregation server, big model service).
 * Prints, as the last line, {requests, server_errors, no_answer, process_exits, acked_reports_lost, peak_rss_mb}
 * with peak_rss_mb per process (VmHWM).
 *
 *   npm run build && npm run bench -- fuzz [--requests 21000] [--seed 20261205]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { up } from '@sedna/cli';
import { KubeClient } from '@sedna/gm';
import { runCampaign, type FuzzEndpoint } from './kit/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const TOTAL = arg('requests', 21_000);
const SEED = arg('seed', 20261205);
const log = (m: string): void => void process.stderr.write(`[fuzz bench] ${m}\n`);

/** Peak resident memory (VmHWM) of a process, in MB; undefined when it is gone. */
function peakRssMb(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Every descendant of a process, with its command line (to name it). */
function descendants(root: number): Array<{ pid: number; command: string }> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: Array<{ pid: number; command: string }> = [];
  const walk = (pid: number): void => {
    for (const [child, ppid] of parent) {
      if (ppid !== pid) continue;
      let command: string;
      try {
        command = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ');
      } catch {
        continue;
      }
      out.push({ pid: child, command });
      walk(child);
    }
  };
  walk(root);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'sedna-bench-fuzz-'));
let host: ChildProcess | undefined;
const stopAll: Array<() => Promise<void>> = [];
try {
  log(`sedna up --edge-nodes 1 in ${dataDir}`);
  const handle = await up({ dataDir, edgeNodes: 1, apiPort: 0, hubPort: 0, kbPort: 0, datasetRoots: [dataDir], log: () => undefined });
  stopAll.push(() => handle.stop());
  const info = JSON.parse(readFileSync(join(dataDir, 'control-plane.json'), 'utf8')) as { apiUrl: string; hubUrl: string; kbUrl: string; nodeTokenFile: string; kubeconfig: string };
  const apiToken = readFileSync(join(dataDir, 'apiserver', 'token'), 'utf8').trim();
  const nodeToken = readFileSync(info.nodeTokenFile, 'utf8').trim();
  const pki = join(dataDir, 'apiserver', 'pki');
  const nodeApiClient = { cert: readFileSync(join(pki, 'control-plane-client.crt'), 'utf8'), key: readFileSync(join(pki, 'control-plane-client.key'), 'utf8') };
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  const client = new KubeClient(kc);
  const nodes = await client.request<{ items: Array<{ metadata: { name: string; labels: Record<string, string> } }> }>('GET', '/api/v1/nodes');
  client.close();
  const port = (url: string): number => Number(new URL(url).port);
  const upEndpoints: FuzzEndpoint[] = [
    { name: 'up/apiserver', host: '127.0.0.1', port: port(info.apiUrl), tls: true, token: apiToken, paths: ['/api/v1/namespaces/default/pods', '/api/v1/nodes', '/api/v1/namespaces/default/secrets', '/apis/sedna.io/v1alpha1/namespaces/default/datasets', '/apis/sedna.io/v1alpha1/namespaces/default/federatedlearningjobs/fl', '/api/v1/watch/pods', '/openapi/v3', '/version'], contentTypes: ['application/json', 'application/yaml', 'application/merge-patch+json'], bodies: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'eA==' } }] },
    { name: 'up/hub', host: '127.0.0.1', port: port(info.hubUrl), tls: true, token: nodeToken, websocket: true, headers: { 'Node-Name': 'fuzz-node' }, paths: ['/'], contentTypes: ['application/json'] },
    { name: 'up/knowledge-base', host: '127.0.0.1', port: port(info.kbUrl), tls: false, paths: ['/knowledgebase', '/knowledgebase/update', '/knowledgebase/query', '/knowledgebase/file/upload', '/knowledgebase/files/index.pkl'], contentTypes: ['multipart/form-data; boundary=x', 'application/json'] },
  ];
  for (const node of nodes.items) {
    const labels = node.metadata.labels;
    upEndpoints.push({ name: `up/${node.metadata.name}/report`, host: '127.0.0.1', port: Number(labels['sedna.io/lc-port']), tls: false, paths: ['/sedna/workers/w/info', '/healthz'], contentTypes: ['application/json'], bodies: [{ name: 'w', namespace: 'default', ownerName: 'j', ownerKind: 'federatedlearningjob', kind: 'train', status: 'completed' }] });
    // Node APIs serve TLS and answer the control plane's client certificate alone (issue 20).
    upEndpoints.push({ name: `up/${node.metadata.name}/node-api`, host: '127.0.0.1', port: Number(labels['sedna.io/node-api-port']), tls: true, clientCert: nodeApiClient, paths: ['/pods/default/p/log', '/pods/default/p/log?tailLines=2'], contentTypes: [] });
  }
  const processes = descendants(process.pid).filter((p) => p.command.includes('main.js'));
  const named = processes.map((p) => ({ ...p, name: / gm /.test(p.command) ? 'gm' : /run-kb/.test(p.command) ? 'knowledge-base' : / control-plane /.test(p.command) ? 'control-plane' : (/--node-name (\S+)/.exec(p.command)?.[1] ?? 'other') }));
  const kb = descendants(process.pid).find((p) => p.command.includes('run-kb'));
  if (kb && !named.some((p) => p.pid === kb.pid)) named.push({ ...kb, name: 'knowledge-base' });

  host = fork(join(here, 'host.ts'), [], { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let hostExits = 0;
  host.on('exit', (code, signal) => {
    hostExits++;
    log(`the entry-point host exited (${signal ?? code})`);
  });
  const hostMessage = <T>(type: string): Promise<T> => new Promise((resolve) => host!.on('message', (m: { type: string }) => m.type === type && resolve(m as T)));
  const { endpoints: hostEndpoints } = await hostMessage<{ endpoints: FuzzEndpoint[] }>('ready');
  const all = [...upEndpoints, ...hostEndpoints.map((e) => ({ ...e, name: `host/${e.name}` }))];
  named.push({ pid: host.pid!, command: 'host', name: 'entry-point-host' });
  log(`${all.length} entry points: ${all.map((e) => e.name).join(', ')}; processes: ${named.map((p) => `${p.name}(${p.pid})`).join(', ')}`);

  const started = Date.now();
  const result = await runCampaign(all, { seed: SEED, requestsPerEndpoint: Math.ceil(TOTAL / all.length), concurrency: 8, progress: (n) => log(`${n} requests`) });
  log(`${result.requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const [name, tally] of Object.entries(result.byEndpoint)) log(`${name}: ${JSON.stringify(tally)}`);
  for (const sample of result.samples) log(`server error: ${sample}`);

  const drainedReply = hostMessage<{ drained: boolean; reportsAtGm: number }>('drained');
  host.send({ type: 'drain' });
  const { drained, reportsAtGm } = await drainedReply;
  if (!drained) log('the LC outbox did not drain within 60 s');
  const peak: Record<string, number | undefined> = {};
  let exits = hostExits;
  for (const p of named) {
    peak[p.name] = peakRssMb(p.pid);
    if (!alive(p.pid)) {
      exits++;
      log(`${p.name} (${p.pid}) is gone`);
    }
  }
  // A part `sedna up` restarted has a new pid under the same name: count those too.
  exits += descendants(process.pid).filter((p) => p.command.includes('main.js') && !named.some((n) => n.pid === p.pid)).length;
  host.send({ type: 'stop' });
  await new Promise((r) => host!.once('exit', r));
  const summary = {
    seed: SEED,
    entry_points: all.length,
    requests: result.requests,
    server_errors: result.serverErrors,
    no_answer: Object.values(result.byEndpoint).reduce((n, t) => n + t.noAnswer, 0),
    process_exits: exits,
    reports_acknowledged: result.reportsAcknowledged,
    acked_reports_lost: Math.max(0, result.reportsAcknowledged - reportsAtGm),
    peak_rss_mb: peak,
  };
  for (const stop of stopAll) await stop();
  console.log(JSON.stringify(summary));
} finally {
  if (host && host.exitCode === null) host.kill('SIGKILL');
  for (const stop of stopAll) await stop().catch(() => undefined);
  if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
}
