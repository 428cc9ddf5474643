/**
 * What the metrics cost the control plane: the status update rate (upstream reports applied to the API and
 * acknowledged) of two control planes side by side, one measuring (the default) and one with SEDNA_METRICS=off,
 * each serving the same number of simulated local controllers. The measuring one is also scraped, its API
 * server's and GM's /metrics every second, as a Prometheus with a 1 s interval would. Rounds interleave the two
 * sides (the side going first alternates); the figure is the ratio of the medians.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { KubeClient } from '@sedna/gm';
import { apiServerMetrics, controllerMetrics, hubMetrics } from '@sedna/metrics';
import { Registry } from 'prom-client';
import { requestKind } from '../../packages/apiserver/src/metrics/instrument.js';
import { connectSimLc, sendDatasetReports, type SimNode } from './sim-lc.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const log = (m: string): void => void process.stderr.write(`[controlplane bench: metrics cost] ${m}\n`);

interface Side {
  label: 'on' | 'off';
  dataDir: string;
  child: ChildProcess;
  client: KubeClient;
  sims: SimNode[];
  acks: number;
  refused: string[];
  scrape: () => Promise<void>;
  rates: number[];
}

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function fetchMetrics(url: string, token: string, ca: Buffer): Promise<void> {
  return new Promise((res, rej) => {
    https.get(url, { headers: { Authorization: `Bearer ${token}` }, ca }, (r) => {
      r.resume();
      r.on('end', () => (r.statusCode === 200 ? res() : rej(new Error(`${url}: ${r.statusCode}`))));
    }).on('error', rej);
  });
}

async function startSide(label: 'on' | 'off', nodes: number): Promise<Side> {
  const dataDir = mkdtempSync(join(tmpdir(), `sedna-bench-metrics-${label}-`));
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(root, 'packages/cli/src/main.ts'), 'control-plane', '--allow-shared-token', '--data-dir', dataDir, '--port', '0', '--hub-port', '0', '--kb-port', '0', '--node-grace-period', '120'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, SEDNA_METRICS: label },
  });
  try {
    return await connectSide(label, nodes, dataDir, child);
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
}

async function connectSide(label: 'on' | 'off', nodes: number, dataDir: string, child: ChildProcess): Promise<Side> {
  const infoFile = join(dataDir, 'control-plane.json');
  const info = await until(`the control plane (metrics ${label})`, () => (existsSync(infoFile) ? (JSON.parse(readFileSync(infoFile, 'utf8')) as { apiUrl: string; hubUrl: string; kubeconfig: string; caFile: string; nodeTokenFile: string }) : undefined));
  const nodeToken = readFileSync(info.nodeTokenFile, 'utf8').trim();
  const apiToken = readFileSync(join(dataDir, 'apiserver', 'token'), 'utf8').trim();
  const ca = readFileSync(info.caFile);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  const side: Side = {
    label,
    dataDir,
    child,
    client: new KubeClient(kc),
    sims: [],
    acks: 0,
    refused: [],
    scrape: async () => {
      await fetchMetrics(`${info.apiUrl}/metrics`, apiToken, ca);
      await fetchMetrics(`https://${new URL(info.hubUrl).host}/metrics`, nodeToken, ca);
    },
    rates: [],
  };
  for (let start = 0; start < nodes; start += 100) {
    const batch = Array.from({ length: Math.min(100, nodes - start) }, (_, i) =>
      connectSimLc(info.hubUrl, nodeToken, ca, `sim-${start + i}`, { ack: () => side.acks++, nack: (n, id, reason) => side.refused.push(`${n}/${id}: ${reason}`) }),
    );
    side.sims.push(...(await Promise.all(batch)));
  }
  for (let i = 0; i < nodes; i++) await side.client.create('Dataset', 'default', { metadata: { name: `ds-${i}` }, spec: { url: `/data/ds-${i}.txt`, format: 'txt', nodeName: `sim-${i}` } });
  log(`metrics ${label}: ${nodes} simulated LCs and datasets`);
  return side;
}

async function burst(side: Side, perNode: number, round: number): Promise<number> {
  const base = side.acks;
  let scraping = side.label === 'on';
  const scraper = (async () => {
    while (scraping) {
      await side.scrape();
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  const t0 = performance.now();
  const total = sendDatasetReports(side.sims, perNode, (i) => `ds-${i}`, (r) => round * 100 + r + 1);
  await until('every report acknowledged or one refused', () => (side.acks - base >= total || side.refused.length > 0 ? true : undefined), 300_000);
  const seconds = (performance.now() - t0) / 1000;
  scraping = false;
  await scraper;
  if (side.refused.length > 0) throw new Error(`the GM refused a report: ${side.refused[0]}`);
  return total / seconds;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const quartiles = (xs: number[]): [number, number] => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!;
  return [at(0.25), at(0.75)];
};

/**
 * The CPU the measuring adds to one status update, timed in this process: what the API server does for the GM's
 * status patch (classify the request, count it, observe its latency), the reconcile the change triggers (observe its
 * duration) and the GM's count of the upstream report. CPU time of this process (not wall time), median of 5 runs
 * of 200,000 updates: independent of the machine's load in a way the end-to-end rates are not.
 */
function measuringCostPerUpdate(): number {
  const registry = new Registry();
  const api = apiServerMetrics(registry);
  const controllers = controllerMetrics(registry, () => new Map());
  const hub = hubMetrics(registry, () => []);
  const url = '/apis/sedna.io/v1alpha1/namespaces/default/datasets/ds-17/status';
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) {
    const n = 200_000;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const kind = requestKind('PATCH', url)!;
      const started = process.hrtime.bigint();
      api.requests.inc({ verb: kind.verb, resource: kind.resource, code: '2xx' });
      api.duration.observe({ verb: kind.verb, resource: kind.resource }, Number(process.hrtime.bigint() - started) / 1e9);
      controllers.reconcileDuration.observe({ controller: 'dataset', result: 'success' }, 0.0004);
      hub.upstreamMessages.inc({ kind: 'dataset' });
    }
    const cpu = process.cpuUsage(cpu0);
    runs.push((cpu.user + cpu.system) / n);
  }
  return median(runs);
}

export async function runMetricsCost(options: { nodes: number; rounds: number }): Promise<void> {
  const sides: Side[] = [];
  try {
    sides.push(await startSide('off', options.nodes), await startSide('on', options.nodes));
    const perNode = 5;
    // A warm-up burst each (JIT, caches), not counted.
    for (const side of sides) await burst(side, perNode, 0);
    for (let round = 1; round <= options.rounds; round++) {
      const order = round % 2 ? sides : [...sides].reverse();
      for (const side of order) {
        const rate = await burst(side, perNode, round);
        side.rates.push(rate);
        log(`round ${round}: metrics ${side.label} ${rate.toFixed(0)} status updates/s`);
      }
    }
    const [off, on] = sides as [Side, Side];
    const ratio = median(on.rates) / median(off.rates);
    const usPerUpdate = measuringCostPerUpdate();
    log(`measuring costs ${usPerUpdate.toFixed(2)} µs of CPU per status update`);
    console.log(
      JSON.stringify({
        nodes: options.nodes,
        rounds: options.rounds,
        status_updates_per_s_metrics_off: { median: Math.round(median(off.rates)), iqr: quartiles(off.rates).map(Math.round) },
        status_updates_per_s_metrics_on: { median: Math.round(median(on.rates)), iqr: quartiles(on.rates).map(Math.round) },
        metrics_cost_percent: Math.round((1 - ratio) * 1000) / 10,
        measuring_us_per_status_update: Math.round(usPerUpdate * 100) / 100,
        // At the target rate of 2000 status updates/s: the share of one core the measuring takes.
        measuring_core_percent_at_2000_per_s: Math.round(usPerUpdate * 2000 / 1e6 * 1000) / 10,
        targets: { metrics_cost_percent: '< 5' },
      }),
    );
  } finally {
    for (const side of sides) {
      for (const s of side.sims) s.ws.terminate();
      side.client.close();
      side.child.kill('SIGTERM');
    }
    await new Promise((r) => setTimeout(r, 1000));
    for (const side of sides) rmSync(side.dataDir, { recursive: true, force: true });
  }
}
