/**
 * Debian's real `prometheus` for the examples' tests: started on a free port of 127.0.0.1 with the prometheus.yml
 * that `sedna up` wrote, unchanged but for the scrape interval (every second, so short-lived workers are seen), its
 * storage in a temporary folder removed at stop. Also what reading the scraped endpoints takes: their targets, the
 * control plane's client certificate (node APIs serve worker metrics to it alone), `promtool check metrics`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readControlPlaneInfo } from '../../packages/cli/src/paths.js';
import { waitFor } from '../../packages/cli/test/harness.js';
import { httpGet, promQuery, promScalar, type PromSample } from './prometheus-query.js';
import { freePort } from './worker-process.js';

export interface ScrapeTarget {
  scrapeUrl: string;
  labels: Record<string, string>;
  health: string;
}

export interface PrometheusServer {
  readonly url: string;
  query(promql: string): Promise<PromSample[]>;
  scalar(promql: string): Promise<number | undefined>;
  /** The targets Prometheus scrapes now (static and discovered). */
  activeTargets(): Promise<ScrapeTarget[]>;
  stop(): void;
}

/** Starts prometheus on the configuration `sedna up` wrote in `dataDir`, and waits until it is ready. */
export async function startPrometheus(dataDir: string, scrapeInterval = '1s'): Promise<PrometheusServer> {
  const info = readControlPlaneInfo(dataDir);
  if (!info?.prometheusConfig) throw new Error(`no prometheus.yml written by sedna up in ${dataDir}`);
  const dir = mkdtempSync(join(tmpdir(), 'sedna-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, readFileSync(info.prometheusConfig, 'utf8').replaceAll('5s', scrapeInterval));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('prometheus', [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${join(dir, 'data')}`], { stdio: 'ignore' });
  const stop = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('prometheus ready', async () => ((await httpGet(`${url}/-/ready`).catch(() => ({ status: 0 }))).status === 200 ? true : undefined), 60_000);
  } catch (err) {
    stop();
    throw err;
  }
  return {
    url,
    query: (promql) => promQuery(url, promql),
    scalar: (promql) => promScalar(url, promql),
    activeTargets: async () => (JSON.parse((await httpGet(`${url}/api/v1/targets`)).body) as { data: { activeTargets: ScrapeTarget[] } }).data.activeTargets,
    stop,
  };
}

/** The CA and the control plane's client certificate: what reads a worker's /metrics through its node's API. */
export function controlPlaneTls(dataDir: string): { ca: string; cert: string; key: string } {
  const info = readControlPlaneInfo(dataDir);
  if (!info) throw new Error(`no control plane in ${dataDir}`);
  const pki = join(dataDir, 'apiserver', 'pki');
  return { ca: readFileSync(info.caFile, 'utf8'), cert: readFileSync(join(pki, 'control-plane-client.crt'), 'utf8'), key: readFileSync(join(pki, 'control-plane-client.key'), 'utf8') };
}

/** `promtool check metrics` on an exposition: ok, and what promtool said. */
export function promtoolCheck(exposition: string): { ok: boolean; output: string } {
  const checked = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  return { ok: checked.status === 0, output: `${checked.stdout}${checked.stderr}` };
}
