/**
 * What the metrics cost the control plane's status update rate. Two control planes run side by side, one measuring
 * (the default) and one with SEDNA_METRICS=off (which skips all measuring on the hot paths), each serving the same
 * number of simulated local controllers. The measuring one is also scraped, its API server's and GM's /metrics, at
 * the interval of the prometheus.yml `sedna up` writes (5 s; `--scrape-interval`), so the cost of being scraped is
 * counted too.
 *
 * Rounds interleave the two sides (bench/common/stats.ts: the side going first alternates, one warm-up each). A
 * round is one burst of upstream status reports per side, applied to the API and acknowledged. Two figures per
 * round:
 * - the rate: reports per second of wall time, end to end;
 * - the CPU per report: CPU time the control plane's two processes (API server and GM) spent during the burst,
 *   divided by the reports. It counts only our processes, but it is not immune to other work on a shared machine:
 *   a burst slowed down also carries more of the processes' background (heartbeats, lease renewals, lumps of
 *   30-130 ms of CPU per second at idle with 200 simulated nodes) and runs with colder caches.
 * The cost is computed per round (that round's measuring side against the same round's other side), so its
 * interquartile range is a real spread. Each burst's log line gives its seconds, the CPU of each process, the scrapes
 * in it and its window on the monotonic clock, so that --cpu-prof profiles (BENCH_NODE_ARGS="--cpu-prof
 * --cpu-prof-dir=DIR", written to DIR-on and DIR-off) can be cut to the bursts.
 *
 * Scrapes run on the clock of the measuring side's own bursts (burst-scraper.ts). The scraper used to run on the
 * wall clock for the whole run: with bursts of half a second it scraped whichever side happened to be busy, so its
 * scrapes landed in the other side's bursts as often as in the measuring side's (there they took CPU from the side
 * without metrics on the shared cores, and counted for no one). Now every scrape lands in a burst of the side that
 * pays for it, at the interval's share of that side's time, and a scrape still running when the burst's last
 * report is acknowledged is waited for and counted with it.
 *
 * On a shared 2-core machine those end-to-end figures carry a spread of many percent. So the cost is also computed
 * from its two parts: the CPU the measuring adds to one status update (timed in this process,
 * measuringCostPerUpdate) and the CPU one scrape takes (the two processes' CPU over 40 scrapes, less their idle CPU
 * over the same time). A scrape costs the same whatever the update rate, so its share is computed at the rate
 * measured without metrics: (measuring + scrape CPU / interval / rate) / CPU per update without metrics. The
 * in-process part is a lower bound: a tight loop runs the measuring code hot and monomorphic, and CPU profiles of
 * the running API server showed the same code costing several times more there (packages/metrics/README.md).
 */
import { until } from '../common/until.js';
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
import { routeOfRequest } from '../../packages/apiserver/src/http/route.js';
import { requestKind } from '../../packages/apiserver/src/metrics/instrument.js';
import { againstTarget, figure, interleave, median, round, spread } from '../common/stats.js';
import { BurstScraper } from './burst-scraper.js';
import { connectSimLc, sendDatasetReports, type SimNode } from './sim-lc.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const log = (m: string): void => void process.stderr.write(`[controlplane bench: metrics cost] ${m}\n`);
/** The bound on what the metrics may cost the status update rate, percent. */
const TARGET_PCT = 5;

interface Side {
  label: 'on' | 'off';
  dataDir: string;
  child: ChildProcess;
  /** The API server's process (the control-plane command) and the GM's. */
  pids: number[];
  client: KubeClient;
  sims: SimNode[];
  acks: number;
  refused: string[];
  scrape: () => Promise<void>;
  /** The measuring side's scraper (burst-scraper.ts); the other side is not scraped. */
  scraper?: BurstScraper;
  rounds: number;
}

interface Burst {
  perS: number;
  cpuUsPerUpdate: number;
}


function fetchMetrics(url: string, token: string, ca: Buffer): Promise<void> {
  return new Promise((res, rej) => {
    https
      .get(url, { headers: { Authorization: `Bearer ${token}` }, ca }, (r) => {
        r.resume();
        r.on('end', () => (r.statusCode === 200 ? res() : rej(new Error(`${url}: ${r.statusCode}`))));
      })
      .on('error', rej);
  });
}

const TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, utime 14 and stime 15 (1-based over the whole line).
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

async function startSide(label: 'on' | 'off', nodes: number): Promise<Side> {
  const dataDir = mkdtempSync(join(tmpdir(), `sedna-bench-metrics-${label}-`));
  // BENCH_NODE_ARGS passes node flags to each side's control plane process (the API server), as in main.ts; a
  // --cpu-prof-dir gets the side's label appended (<dir>-on, <dir>-off).
  const nodeArgs = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean).map((a) => (a.startsWith('--cpu-prof-dir=') ? `${a}-${label}` : a));
  const child = spawn(process.execPath, [...nodeArgs, '--conditions=source', '--import', 'tsx', join(root, 'packages/cli/src/main.ts'), 'control-plane', '--allow-shared-token', '--data-dir', dataDir, '--port', '0', '--hub-port', '0', '--kb-port', '0', '--node-grace-period', '120'], {
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
  const info = await untilReady(`the control plane (metrics ${label})`, () => (existsSync(infoFile) ? (JSON.parse(readFileSync(infoFile, 'utf8')) as { apiUrl: string; hubUrl: string; kubeconfig: string; caFile: string; nodeTokenFile: string; pid: number; gmPid: number }) : undefined));
  const nodeToken = readFileSync(info.nodeTokenFile, 'utf8').trim();
  const apiToken = readFileSync(join(dataDir, 'apiserver', 'token'), 'utf8').trim();
  const ca = readFileSync(info.caFile);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  const side: Side = {
    label,
    dataDir,
    child,
    pids: [info.pid, info.gmPid],
    client: new KubeClient(kc),
    sims: [],
    acks: 0,
    refused: [],
    scrape: async () => {
      await fetchMetrics(`${info.apiUrl}/metrics`, apiToken, ca);
      await fetchMetrics(`https://${new URL(info.hubUrl).host}/metrics`, nodeToken, ca);
    },
    rounds: 0,
  };
  for (let start = 0; start < nodes; start += 100) {
    const batch = Array.from({ length: Math.min(100, nodes - start) }, (_, i) =>
      connectSimLc(info.hubUrl, nodeToken, ca, `sim-${start + i}`, { ack: () => side.acks++, nack: (n, id, reason) => side.refused.push(`${n}/${id}: ${reason}`) }),
    );
    side.sims.push(...(await Promise.all(batch)));
  }
  for (let i = 0; i < nodes; i++) await side.client.create('Dataset', 'default', { metadata: { name: `ds-${i}` }, spec: { url: `/data/ds-${i}.txt`, format: 'txt', nodeName: `sim-${i}` } });
  log(`metrics ${label}: ${nodes} simulated LCs and datasets (API server pid ${info.pid}, GM pid ${info.gmPid})`);
  return side;
}

/** One burst of `perNode` reports from every simulated LC, until all are acknowledged: its rate and CPU per report. */
async function burst(side: Side, perNode: number): Promise<Burst> {
  const base = side.acks;
  const roundNo = side.rounds++;
  const cpu0 = side.pids.map(cpuSeconds);
  const scrapes0 = side.scraper?.scrapes ?? 0;
  // Monotonic microseconds, the clock of --cpu-prof profiles: a profile's samples can be cut to the bursts.
  const mono0 = process.hrtime.bigint() / 1000n;
  const t0 = performance.now();
  side.scraper?.resume();
  // Every round sends new sample counts, so every report is a real status change the API persists.
  const total = sendDatasetReports(side.sims, perNode, (i) => `ds-${i}`, (r) => roundNo * 100 + r + 1);
  await untilReady('every report acknowledged or one refused', () => (side.acks - base >= total || side.refused.length > 0 ? true : undefined), 300_000);
  // A scrape still running belongs to this burst: its CPU is counted with it.
  await side.scraper?.pause();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = side.pids.map((pid, i) => cpuSeconds(pid) - cpu0[i]!);
  if (side.refused.length > 0) throw new Error(`the GM refused a report: ${side.refused[0]}`);
  const scrapes = (side.scraper?.scrapes ?? 0) - scrapes0;
  log(`metrics ${side.label}, burst ${roundNo}: ${seconds.toFixed(2)} s, CPU API server ${(cpu[0]! * 1000).toFixed(0)} ms, GM ${(cpu[1]! * 1000).toFixed(0)} ms, ${scrapes} scrape(s) (monotonic µs ${mono0}-${process.hrtime.bigint() / 1000n})`);
  return { perS: total / seconds, cpuUsPerUpdate: ((cpu[0]! + cpu[1]!) / total) * 1e6 };
}

/** CPU milliseconds one scrape of the API server and the GM takes: 40 scrapes, less the idle CPU of their time. */
async function scrapeCost(side: Side): Promise<number> {
  const cpu = (): number => side.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const n = 40;
  let t0 = performance.now();
  let c0 = cpu();
  await new Promise((r) => setTimeout(r, 5000));
  const idlePerMs = (cpu() - c0) / (performance.now() - t0);
  t0 = performance.now();
  c0 = cpu();
  for (let i = 0; i < n; i++) await side.scrape();
  const busy = cpu() - c0 - idlePerMs * (performance.now() - t0);
  return (Math.max(0, busy) / n) * 1000;
}

/**
 * The CPU the measuring adds to one status update, timed in this process: what the API server does for the GM's
 * status patch (classify the request, count it, observe its latency), the reconcile the change triggers (observe its
 * duration) and the GM's count of the upstream report. The request's route is parsed once either way (the handler
 * reuses the one the classification parsed), so the added work is the update with measuring less the handler's own
 * parse without it. CPU time of this process (not wall time), median of 5 runs of 200,000 updates each way.
 */
function measuringCostPerUpdate(): number {
  const registry = new Registry();
  const api = apiServerMetrics(registry);
  const controllers = controllerMetrics(registry, () => new Map());
  const hub = hubMetrics(registry, () => []);
  const url = '/apis/sedna.io/v1alpha1/namespaces/default/datasets/ds-17/status';
  const cpuPerUpdate = (update: () => void): number => {
    const n = 200_000;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) update();
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / n;
  };
  const measured = (): void => {
    const req = {};
    const kind = requestKind('PATCH', url, req)!;
    const started = process.hrtime.bigint();
    routeOfRequest(req, url); // the handler's route: the one just parsed
    api.requests.inc({ verb: kind.verb, resource: kind.resource, code: '2xx' });
    api.duration.observe({ verb: kind.verb, resource: kind.resource }, Number(process.hrtime.bigint() - started) / 1e9);
    controllers.reconcileDuration.observe({ controller: 'dataset', result: 'success' }, 0.0004);
    hub.upstreamMessages.inc({ kind: 'dataset' });
  };
  const unmeasured = (): void => void routeOfRequest({}, url); // the handler parses the route itself
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) runs.push(cpuPerUpdate(measured) - cpuPerUpdate(unmeasured));
  return median(runs);
}

export async function runMetricsCost(options: { nodes: number; rounds: number; perNode: number; scrapeIntervalS: number }): Promise<void> {
  const sides: Side[] = [];
  let stopScraper = (): void => undefined;
  try {
    const off = await startSide('off', options.nodes);
    sides.push(off);
    const on = await startSide('on', options.nodes);
    sides.push(on);
    // Scraped at the interval, on the clock of its own bursts (burst-scraper.ts): each burst carries the scrapes
    // of its own time, and none lands in the other side's bursts.
    on.scraper = new BurstScraper(on.scrape, options.scrapeIntervalS * 1000, (err) => log(`scrape failed: ${String(err)}`));
    stopScraper = () => void on.scraper?.pause();
    const onBursts: Burst[] = [];
    const offBursts: Burst[] = [];
    // interleave() runs one unrecorded warm-up of each side first (JIT, caches), then alternates which goes first.
    let warm = 2;
    const result = await interleave(
      options.rounds,
      async () => {
        const b = await burst(on, options.perNode);
        if (warm > 0) warm--;
        else onBursts.push(b);
        return b.perS;
      },
      async () => {
        const b = await burst(off, options.perNode);
        if (warm > 0) warm--;
        else offBursts.push(b);
        return b.perS;
      },
      (r, a, b) => log(`round ${r}: metrics on ${a.toFixed(0)}/s (${onBursts.at(-1)!.cpuUsPerUpdate.toFixed(0)} µs CPU each), off ${b.toFixed(0)}/s (${offBursts.at(-1)!.cpuUsPerUpdate.toFixed(0)} µs CPU each)`),
    );
    // Per round: how much slower (rate) or dearer (CPU) the measuring side was, percent.
    const rateCost = result.ratio.map((r) => (1 - r) * 100);
    const cpuCost = onBursts.map((b, i) => (b.cpuUsPerUpdate / offBursts[i]!.cpuUsPerUpdate - 1) * 100);
    stopScraper();
    const usPerUpdate = measuringCostPerUpdate();
    log(`measuring costs ${usPerUpdate.toFixed(2)} µs of CPU per status update (in-process)`);
    const scrapeMs = await scrapeCost(on);
    log(`one scrape of the API server and the GM costs ${scrapeMs.toFixed(1)} ms of CPU (${options.nodes} nodes and datasets)`);
    const offRate = median(result.b);
    const offCpuUs = median(offBursts.map((b) => b.cpuUsPerUpdate));
    const fromParts = ((usPerUpdate + (scrapeMs * 1000) / options.scrapeIntervalS / offRate) / offCpuUs) * 100;
    log(`from its parts, at ${offRate.toFixed(0)} updates/s: ${fromParts.toFixed(2)} %`);
    for (const [name, values] of [['rate', rateCost], ['CPU per update', cpuCost]] as const) {
      const s = spread(values);
      log(`metrics cost, ${name}: median ${s.median.toFixed(1)} % (IQR ${s.q1.toFixed(1)} to ${s.q3.toFixed(1)}): ${againstTarget(s, { below: TARGET_PCT })} against < ${TARGET_PCT} %`);
    }
    console.log(
      JSON.stringify({
        mode: 'metrics-cost',
        nodes: options.nodes,
        rounds: options.rounds,
        reports_per_burst: options.nodes * options.perNode,
        ...figure('status_updates_per_s_metrics_off', result.b, 0),
        ...figure('status_updates_per_s_metrics_on', result.a, 0),
        ...figure('metrics_cost_rate_pct', rateCost, 1),
        ...figure('cpu_us_per_update_metrics_off', offBursts.map((b) => b.cpuUsPerUpdate), 0),
        ...figure('cpu_us_per_update_metrics_on', onBursts.map((b) => b.cpuUsPerUpdate), 0),
        ...figure('metrics_cost_cpu_pct', cpuCost, 1),
        scrape_interval_s: options.scrapeIntervalS,
        measuring_us_per_status_update: round(usPerUpdate, 2),
        scrape_cpu_ms: round(scrapeMs, 1),
        metrics_cost_from_parts_pct: round(fromParts, 2),
        // At the target rate of 2000 status updates/s: the share of one core the measuring takes.
        measuring_core_pct_at_2000_per_s: round((usPerUpdate * 2000) / 1e4, 2),
        targets: { metrics_cost_rate_pct: `< ${TARGET_PCT}`, metrics_cost_cpu_pct: `< ${TARGET_PCT}`, metrics_cost_from_parts_pct: `< ${TARGET_PCT}` },
      }),
    );
  } finally {
    stopScraper();
    for (const side of sides) {
      for (const s of side.sims) s.stop();
      side.client.close();
      side.child.kill('SIGTERM');
    }
    await new Promise((r) => setTimeout(r, 1000));
    for (const side of sides) rmSync(side.dataDir, { recursive: true, force: true });
  }
}

function untilReady<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  return until(what, check, timeoutMs, 50);
}
