/**
 * Benchmark of the control plane at scale. The real control plane (the API server, with the GM in a process of
 * its own, as `sedna up` runs them) serves simulated local controllers: lightweight websocket clients in this process that speak
 * the channel protocol (hello, heartbeats, acknowledged upstream reports). Measures:
 * - nodes: simulated LCs connected and Ready;
 * - gm_rss_mb: resident memory of the GM process with them connected (and apiserver_rss_mb of the API server's);
 * - status_updates_per_s: upstream reports applied to the API (persisted) and acknowledged, end to end;
 * - downstream_p99_ms: a Dataset spec change until its node's LC has it, at that node count;
 * - pod_start_p50_ms: a Pod created until its process runs, on a real LC (a child process with its runner);
 *   node_worker_ready_p50_ms: the same for a Node.js worker that loads the lib (@sedna/lib, as built) before it
 *   writes its first line;
 * - sustained (./phases.ts): --rate reports/s (2,000) for --sustained seconds (60; 0 skips it), send-to-ack p50/p99,
 *   peak GM and API server RSS during it; gm restart: the GM killed with every LC connected, seconds until every
 *   node is resynced and Ready (--no-restart skips it).
 *
 * With --metrics-cost it measures instead what the metrics cost the status update rate (./metrics-cost.ts).
 * "Persisted" means the API server's store committed it: with --store-sync normal (the default) a write survives a
 * killed process, with --store-sync full it also survives a power cut (an fsync per commit; the writes that arrive in
 * one turn of the API server's event loop share a commit); the JSON says which. An ack is sent only after the commit.
 * The sustained phase also reports the CPU time of the GM and of the API server per acknowledged report.
 *
 *   npm run bench -- controlplane [--nodes 1000] [--store-sync normal|full] [--rate 2000] [--sustained 60] [--restarts 3 | --no-restart] [--no-pods] [--metrics-cost [--rounds 8] [--per-node 5] [--scrape-interval 5]]
 */
import { until } from '../common/until.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { KubeClient } from '@sedna/gm';
import { figure } from '../common/stats.js';
import { AckLatencies, gmRestart, sustainedReports } from './phases.js';
import { connectSimLc, sendDatasetReports, type SimNode } from './sim-lc.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const storeSyncAt = process.argv.indexOf('--store-sync');
const storeSync = storeSyncAt >= 0 ? process.argv[storeSyncAt + 1] : 'normal';
if (storeSync !== 'normal' && storeSync !== 'full') throw new Error(`--store-sync must be normal or full, got ${storeSync}`);
if (process.argv.includes('--metrics-cost')) {
  const { runMetricsCost } = await import('./metrics-cost.js');
  await runMetricsCost({ nodes: arg('nodes', 200), rounds: arg('rounds', 8), perNode: arg('per-node', 5), scrapeIntervalS: arg('scrape-interval', 5) });
  process.exit(0);
}
const NODES = arg('nodes', 1000);
const log = (m: string): void => void process.stderr.write(`[controlplane bench] ${m}\n`);
const dataDir = mkdtempSync(join(tmpdir(), 'sedna-bench-cp-'));
const children: ChildProcess[] = [];

function startCli(args: string[]): ChildProcess {
  // BENCH_NODE_ARGS passes node flags to the control plane (the API server's process and the GM's) and the LC, e.g.
  // "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--conditions=source', '--import', 'tsx', join(root, 'packages/cli/src/main.ts'), ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SEDNA_GM_NODE_ARGS: nodeArgs.join(' ') } });
  child.stderr!.on('data', (c: Buffer) => {
    const text = c.toString();
    if (/error/i.test(text)) process.stderr.write(text);
  });
  children.push(child);
  return child;
}


const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? Number.NaN;
const round = (x: number): number => Math.round(x * 10) / 10;

try {
  // 1,000 simulated LCs on this one machine share the node token (allowed for a single-machine control plane only).
  const cp = startCli(['control-plane', '--allow-shared-token', '--data-dir', dataDir, '--port', '0', '--hub-port', '0', '--kb-port', '0', '--node-grace-period', '120', '--store-sync', storeSync]);
  const info = await until('the control plane', () => (existsSync(join(dataDir, 'control-plane.json')) ? (JSON.parse(readFileSync(join(dataDir, 'control-plane.json'), 'utf8')) as { hubUrl: string; kubeconfig: string; caFile: string; nodeTokenFile: string }) : undefined));
  const token = readFileSync(info.nodeTokenFile, 'utf8').trim();
  const ca = readFileSync(info.caFile);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  const client = new KubeClient(kc);

  // Simulated LCs: every downstream frame is time-stamped on arrival; acks resolve their upstream ids.
  const received = new Map<string, number>(); // "<node>/<name>/<generation>" -> ms
  const acked = new Set<string>();
  let ackCount = 0;
  // A refused report (nack) was not applied: it must not count as throughput.
  const refused: string[] = [];
  const tracker = new AckLatencies();
  const lastResync = new Map<string, number>();
  const sims: SimNode[] = [];
  const connect = (name: string): Promise<SimNode> =>
    connectSimLc(info.hubUrl, token, ca, name, {
      downstream: (node, resource, generation) => received.set(`${node}/${resource}/${generation}`, performance.now()),
      nack: (node, id, reason) => refused.push(`${node}/${id}: ${reason}`),
      ack: (node, id) => {
        acked.add(`${node}/${id}`);
        ackCount++;
        tracker.acked(node, id);
      },
      resynced: (node, at) => lastResync.set(node, at),
    });
  log(`connecting ${NODES} simulated local controllers`);
  for (let start = 0; start < NODES; start += 100) {
    sims.push(...(await Promise.all(Array.from({ length: Math.min(100, NODES - start) }, (_, i) => connect(`sim-${start + i}`)))));
  }
  const readyNodes = async (): Promise<number> => {
    const list = await client.request<{ items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[] }>('GET', '/api/v1/nodes');
    return list.items.filter((n) => n.metadata.name.startsWith('sim-') && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  };
  await until('every node Ready', async () => ((await readyNodes()) >= NODES ? true : undefined));
  log(`${NODES} nodes Ready`);

  // One Dataset per node, sent down by the GM.
  for (let i = 0; i < NODES; i++) {
    await client.create('Dataset', 'default', { metadata: { name: `ds-${i}` }, spec: { url: `/data/ds-${i}.txt`, format: 'txt', nodeName: `sim-${i}` } });
  }
  await until('every dataset on its node', () => (sims.every((s, i) => received.has(`${s.name}/ds-${i}/1`)) ? true : undefined));
  const rss = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  const gmPidNow = (): number => (JSON.parse(readFileSync(join(dataDir, 'gm.ready'), 'utf8')) as { pid: number }).pid;
  const gmPid = gmPidNow();
  const rssMb = rss(gmPid);
  const apiRssMb = rss(cp.pid!);
  log(`with ${NODES} nodes and datasets: GM ${rssMb.toFixed(0)} MB, API server ${apiRssMb.toFixed(0)} MB resident`);

  // Downstream: a spec change until the node has it.
  const latencies: number[] = [];
  for (let k = 0; k < 200; k++) {
    const i = Math.floor(Math.random() * NODES);
    const current = await client.get('Dataset', 'default', `ds-${i}`);
    const generation = (current.metadata.generation ?? 1) + 1;
    const t0 = performance.now();
    await client.mergePatch('Dataset', 'default', `ds-${i}`, { spec: { format: generation % 2 ? 'txt' : 'csv' } });
    const key = `sim-${i}/ds-${i}/${generation}`;
    const at = await until(`the change of ds-${i}`, () => received.get(key), 10_000);
    latencies.push(at - t0);
  }
  log(`downstream: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms`);

  // Upstream: reports from every node, applied to the API and acknowledged.
  const perNode = 5;
  const total = NODES * perNode;
  const ackBase = ackCount;
  const t0 = performance.now();
  sendDatasetReports(sims, perNode, (i) => `ds-${i}`, (round) => round * 10 + 1);
  // until() retries on errors, so a refusal is checked here and ends the benchmark.
  await until('every report acknowledged or one refused', () => (ackCount - ackBase >= total || refused.length > 0 ? true : undefined), 300_000);
  if (refused.length > 0) throw new Error(`the GM refused ${refused.length} report(s), e.g. ${refused[0]}`);
  const seconds = (performance.now() - t0) / 1000;
  const statusPerS = total / seconds;
  log(`upstream: ${total} reports applied and acknowledged in ${seconds.toFixed(2)} s (${statusPerS.toFixed(0)}/s)`);
  const sample = await client.get('Dataset', 'default', `ds-${NODES - 1}`);
  if ((sample['status'] as { numberOfSamples?: number }).numberOfSamples !== (perNode - 1) * 10 + 1) throw new Error('the last report did not land');

  const rate = arg('rate', 2000);
  const sustainedSeconds = arg('sustained', 60);
  log(sustainedSeconds > 0 ? `sustained: ${rate} reports/s for ${sustainedSeconds} s` : 'sustained: skipped (--sustained 0)');
  const sustained = sustainedSeconds > 0 ? await sustainedReports({ sims, tracker, rate, seconds: sustainedSeconds, gmPid, apiPid: cp.pid!, log }) : undefined;
  // GM restarts, --restarts times (3): the median and the spread of the time until every node is back.
  const restarts: { gm_restart_resynced_s: number; gm_restart_ready_and_resynced_s: number }[] = [];
  for (let k = 0; k < (process.argv.includes('--no-restart') ? 0 : arg('restarts', 3)); k++) {
    restarts.push(await gmRestart({ gmPid: () => { try { return gmPidNow(); } catch { return gmPid; } }, nodes: NODES, resyncedSince: (t) => sims.filter((sim) => (lastResync.get(sim.name) ?? 0) > t).length, readyNodes, log }));
  }
  const restart = restarts.length
    ? {
        gm_restarts: restarts.length,
        ...figure('gm_restart_ready_and_resynced_s', restarts.map((r) => r.gm_restart_ready_and_resynced_s), 2),
        ...figure('gm_restart_resynced_s', restarts.map((r) => r.gm_restart_resynced_s), 2),
      }
    : undefined;
  for (const s of sims) s.stop();

  // --no-pods skips the pod start figures (for quick runs of the other phases while developing).
  const pods = process.argv.includes('--no-pods') ? undefined : await (async () => {
    // Pod start on a real local controller.
    startCli(['join', '--gm', info.hubUrl, '--token-file', info.nodeTokenFile, '--ca', info.caFile, '--node-name', 'runner-node', '--data-dir', join(dataDir, 'runner-node'), '--dataset-root', dataDir]);
    await until('runner-node Ready', async () => {
      const n = await client.get('Node', '', 'runner-node');
      return (n['status'] as { conditions?: { type: string; status: string }[] }).conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    });
    const starts: number[] = [];
    for (let k = 0; k < 20; k++) {
      const marker = join(dataDir, `started-${k}`);
      const t = Date.now();
      await client.create('Pod', 'default', { metadata: { name: `start-${k}` }, spec: { nodeName: 'runner-node', restartPolicy: 'Never', containers: [{ name: 'main', command: ['sh', '-c', `date +%s%3N > ${marker}`] }] } });
      const startedAt = await until('the process', () => (existsSync(marker) && readFileSync(marker, 'utf8').trim() ? Number(readFileSync(marker, 'utf8').trim()) : undefined), 10_000);
      starts.push(startedAt - t);
    }
    log(`pod start: p50 ${percentile(starts, 0.5)} ms, max ${Math.max(...starts)} ms`);
    // A Node.js worker: the lib as users run it (built JavaScript) loaded before its first line of work.
    const libEntry = join(root, 'packages/lib/dist/index.js');
    if (!existsSync(libEntry)) throw new Error(`${libEntry} is missing: run npm run build first`);
    const nodeStarts: number[] = [];
    for (let k = 0; k < 20; k++) {
      const marker = join(dataDir, `node-started-${k}`);
      const t = Date.now();
      const script = `await import(${JSON.stringify(libEntry)}); (await import('node:fs')).writeFileSync(${JSON.stringify(marker)}, String(Date.now()));`;
      await client.create('Pod', 'default', { metadata: { name: `node-start-${k}` }, spec: { nodeName: 'runner-node', restartPolicy: 'Never', containers: [{ name: 'main', command: [process.execPath, '--input-type=module', '-e', script] }] } });
      const startedAt = await until('the Node.js worker', () => (existsSync(marker) && readFileSync(marker, 'utf8').trim() ? Number(readFileSync(marker, 'utf8').trim()) : undefined), 30_000);
      nodeStarts.push(startedAt - t);
    }
    log(`Node.js worker ready: p50 ${percentile(nodeStarts, 0.5)} ms, max ${Math.max(...nodeStarts)} ms`);
    return { starts, nodeStarts };
  })();
  client.close();

  console.log(
    JSON.stringify({
      nodes: NODES,
      store_sync: storeSync,
      gm_rss_mb: round(rssMb),
      apiserver_rss_mb: round(apiRssMb),
      status_updates_per_s: Math.round(statusPerS),
      downstream_p50_ms: round(percentile(latencies, 0.5)),
      downstream_p99_ms: round(percentile(latencies, 0.99)),
      ...(pods
        ? {
            pod_start_p50_ms: percentile(pods.starts, 0.5),
            node_worker_ready_p50_ms: percentile(pods.nodeStarts, 0.5),
            ...figure('node_worker_ready_ms', pods.nodeStarts, 0),
            ...figure('pod_start_ms', pods.starts, 0),
          }
        : {}),
      ...(sustained ? { sustained } : {}),
      ...(sustained ? { sustained_ack_p50_ms: sustained.ack_p50_ms, sustained_ack_p99_ms: sustained.ack_p99_ms, sustained_acked_per_s: sustained.reports_acked_per_s, peak_gm_rss_mb: sustained.peak_gm_rss_mb, peak_apiserver_rss_mb: sustained.peak_apiserver_rss_mb, gm_cpu_ms_per_report: sustained.gm_cpu_ms_per_report, apiserver_cpu_ms_per_report: sustained.apiserver_cpu_ms_per_report } : {}),
      ...(restart ?? {}),
      targets: { nodes: 1000, gm_rss_mb: '< 300', status_updates_per_s: '>= 2000', downstream_p99_ms: '< 100', pod_start_p50_ms: '< 300', node_worker_ready_p50_ms: '< 1000', sustained_ack_p99_ms: '< 100 at 2000/s', peak_gm_rss_mb: '< 300', gm_restart_ready_and_resynced_s: '< 10' },
    }),
  );
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dataDir, { recursive: true, force: true });
}
