/**
 * Prometheus without a cluster: the control plane writes `<data-dir>/prometheus/prometheus.yml`, ready for
 * `prometheus --config.file=...`, that scrapes the API server and the GM (static targets, their tokens read from
 * files) and, through file-based service discovery, every local controller and every pod's worker as nodes and
 * pods come and go. The target files are rewritten (atomically, only on change) whenever a Node or a Pod changes;
 * Prometheus notices a rewrite within seconds (it watches the files).
 *
 * A worker's metrics are read through its node's LC (`/pods/{ns}/{name}/metrics` on the node API, with the node
 * token): the target is the LC's address with that `__metrics_path__`.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeObject } from '@sedna/api';
import type { RunningApiServer } from '@sedna/apiserver';
import { nodeApiAddress } from './node-api.js';

export interface PrometheusFiles {
  dir: string;
  config: string;
  lcTargets: string;
  workerTargets: string;
}

export function prometheusFiles(dataDir: string): PrometheusFiles {
  const dir = join(dataDir, 'prometheus');
  return { dir, config: join(dir, 'prometheus.yml'), lcTargets: join(dir, 'targets', 'local-controllers.json'), workerTargets: join(dir, 'targets', 'workers.json') };
}

export interface ScrapeSetup {
  apiServer: string;
  /** The GM's hub (host:port, TLS with the API server's certificate). */
  gm: string;
  caFile: string;
  apiTokenFile: string;
  nodeTokenFile: string;
  /** The control plane's client certificate and key: node APIs (LC and worker metrics) serve TLS to it alone. */
  nodeApiClientCertFile: string;
  nodeApiClientKeyFile: string;
  scrapeIntervalSeconds?: number;
}

/** prometheus.yml for the all-in-one control plane. */
export function prometheusConfig(files: PrometheusFiles, setup: ScrapeSetup): string {
  const interval = `${setup.scrapeIntervalSeconds ?? 5}s`;
  const tls = { ca_file: setup.caFile };
  const nodeApiTls = { ca_file: setup.caFile, cert_file: setup.nodeApiClientCertFile, key_file: setup.nodeApiClientKeyFile };
  return (
    '# Written by the Sedna control plane (sedna up): prometheus --config.file=<this file>\n' +
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      scrape_configs: [
        { job_name: 'sedna-apiserver', scheme: 'https', tls_config: tls, authorization: { credentials_file: setup.apiTokenFile }, static_configs: [{ targets: [setup.apiServer] }] },
        { job_name: 'sedna-gm', scheme: 'https', tls_config: tls, authorization: { credentials_file: setup.nodeTokenFile }, static_configs: [{ targets: [setup.gm] }] },
        { job_name: 'sedna-lc', scheme: 'https', tls_config: nodeApiTls, file_sd_configs: [{ files: [files.lcTargets], refresh_interval: '10s' }] },
        { job_name: 'sedna-workers', scheme: 'https', tls_config: nodeApiTls, file_sd_configs: [{ files: [files.workerTargets], refresh_interval: '10s' }] },
      ],
    }, { aliasDuplicateObjects: false })
  );
}

interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** The target groups of the local controllers and of the pods running on them. */
export function discoveredTargets(nodes: readonly KubeObject[], pods: readonly KubeObject[]): { lcs: TargetGroup[]; workers: TargetGroup[] } {
  const addresses = new Map<string, string>();
  const lcs: TargetGroup[] = [];
  for (const node of nodes) {
    const api = nodeApiAddress(node);
    if (!api) continue;
    const address = `${api.host}:${api.port}`;
    addresses.set(node.metadata.name!, address);
    lcs.push({ targets: [address], labels: { node: node.metadata.name! } });
  }
  const workers: TargetGroup[] = [];
  for (const pod of pods) {
    const nodeName = (pod['spec'] as { nodeName?: string } | undefined)?.nodeName;
    const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
    const address = nodeName ? addresses.get(nodeName) : undefined;
    if (!address || phase !== 'Running') continue;
    const { namespace = 'default', name = '' } = pod.metadata;
    workers.push({ targets: [address], labels: { __metrics_path__: `/pods/${namespace}/${name}/metrics`, namespace, pod: name, node: nodeName! } });
  }
  const order = (a: TargetGroup, b: TargetGroup) => JSON.stringify(a).localeCompare(JSON.stringify(b));
  return { lcs: lcs.sort(order), workers: workers.sort(order) };
}

function writeIfChanged(path: string, text: string): void {
  let old: string | undefined;
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    old = undefined;
  }
  if (old === text) return;
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** Writes prometheus.yml once and keeps the target files current; returns a stop function. */
export function startPrometheusDiscovery(api: RunningApiServer, files: PrometheusFiles, setup: ScrapeSetup): () => void {
  mkdirSync(join(files.dir, 'targets'), { recursive: true });
  writeIfChanged(files.config, prometheusConfig(files, setup));
  const write = (): void => {
    const { lcs, workers } = discoveredTargets(
      api.store.list('/nodes').map((s) => s.object),
      api.store.list('/pods').map((s) => s.object),
    );
    writeIfChanged(files.lcTargets, JSON.stringify(lcs, null, 1) + '\n');
    writeIfChanged(files.workerTargets, JSON.stringify(workers, null, 1) + '\n');
  };
  write();
  // Pod status changes come in bursts: one rewrite per burst.
  let timer: NodeJS.Timeout | undefined;
  const unsubscribe = api.store.subscribe((event) => {
    if (event.resource !== '/pods' && event.resource !== '/nodes') return;
    timer ??= setTimeout(() => {
      timer = undefined;
      try {
        write();
      } catch (err) {
        console.error(`[control-plane] cannot write the Prometheus targets: ${(err as Error).message}`);
      }
    }, 200);
  });
  return () => {
    unsubscribe();
    clearTimeout(timer);
  };
}
