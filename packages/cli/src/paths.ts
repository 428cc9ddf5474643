/** Where the all-in-one control plane keeps its state, and how commands find it. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const DEFAULT_DATA_DIR = '.sedna';

export interface ControlPlaneInfo {
  apiUrl: string;
  kubeconfig: string;
  hubUrl: string;
  /** The knowledge base server of lifelong learning (KB_SERVER of the workers). */
  kbUrl: string;
  caFile: string;
  nodeTokenFile: string;
  /** The control-plane process (API server, GM supervisor). */
  pid: number;
  /** The GM's process when the control plane started it (it is restarted with a new pid when it dies). */
  gmPid: number;
  /** A ready prometheus.yml scraping every component (file-based discovery of the LCs and workers). */
  prometheusConfig?: string;
  /** The message broker of multi-edge inference (nats://), when the control plane runs one (`--broker nats`). */
  brokerUrl?: string;
  /** The web console (served by the API server; log in with the API token). */
  consoleUrl?: string;
}

export function controlPlaneInfoPath(dataDir: string): string {
  return join(resolve(dataDir), 'control-plane.json');
}

export function readControlPlaneInfo(dataDir: string): ControlPlaneInfo | undefined {
  const path = controlPlaneInfoPath(dataDir);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as ControlPlaneInfo;
}

/** The kubeconfig a command uses: --kubeconfig, else $KUBECONFIG, else the embedded control plane's. */
export function resolveKubeconfig(explicit: string | undefined, dataDir: string): string | undefined {
  if (explicit) return explicit;
  if (process.env['KUBECONFIG']) return undefined;
  const embedded = join(resolve(dataDir), 'apiserver', 'kubeconfig');
  return existsSync(embedded) ? embedded : undefined;
}
