/**
 * `sedna gm`: the GlobalManager alone, against any kubeconfig (the embedded API server's, or a real cluster's with
 * `--kubernetes`). With `--ready-file` it writes `{hubUrl, pid}` there once local controllers can connect. With
 * `leaderElection.enabled` in its configuration it is one replica of several: it leads or follows on a Lease, and
 * exits when it loses the lead (its supervisor, a Deployment or systemd, starts it again as a follower).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { loadGmConfig, startElectedGlobalManager, startGlobalManager } from '@sedna/gm';

export interface GmCommandOptions {
  config: string;
  kubeconfig?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** The control plane's CA (certificate and key): signs node certificates at bootstrap. */
  caCert?: string;
  caKey?: string;
  /** The client certificate and key the GM shows node APIs (from the CA of --ca-cert): embedded autoscaling reads worker metrics through them. */
  nodeApiClientCert?: string;
  nodeApiClientKey?: string;
  readyFile?: string;
  /** Pods run on a real cluster's kubelets instead of the local controllers (kubernetes mode). */
  kubernetes: boolean;
}

export async function runGm(options: GmCommandOptions): Promise<{ hubUrl: string; stop(): Promise<void> }> {
  const config = loadGmConfig(options.config);
  const kc = new k8s.KubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else if (config.kubeConfig) kc.loadFromFile(config.kubeConfig);
  else kc.loadFromCluster();
  const pair = (cert: string | undefined, key: string | undefined, what: string) => {
    if (!cert && !key) return undefined;
    if (!cert || !key) throw new Error(`${what}: give both the certificate and its key`);
    return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  };
  const tls = pair(options.tlsCert, options.tlsKey, '--tls-cert/--tls-key');
  const ca = pair(options.caCert, options.caKey, '--ca-cert/--ca-key');
  const nodeApiClientPair = pair(options.nodeApiClientCert, options.nodeApiClientKey, '--node-api-client-cert/--node-api-client-key');
  if (nodeApiClientPair && !ca) throw new Error('--node-api-client-cert needs --ca-cert: node APIs are checked against that CA');
  const nodeApiClient = nodeApiClientPair && ca ? { ...nodeApiClientPair, ca: ca.cert } : undefined;
  const common = { config, kubeConfig: kc, runPodsOnLocalControllers: !options.kubernetes, ...(tls ? { tls } : {}), ...(ca ? { ca } : {}), ...(nodeApiClient ? { nodeApiClient } : {}) };
  const gm = config.leaderElection.enabled
    ? await startElectedGlobalManager({
        ...common,
        onLostLeadership: () => {
          console.error('[gm] lost the leadership; exiting so that a fresh follower takes this place');
          process.exit(1);
        },
      })
    : await startGlobalManager(common);
  if (options.readyFile) writeFileSync(options.readyFile, JSON.stringify({ hubUrl: gm.hubUrl, pid: process.pid }) + '\n');
  return gm;
}

/** Resolves once `path` exists (the control plane renames the GM's configuration into place when it is complete). */
export async function waitForFile(path: string, pollMs = 20): Promise<void> {
  while (!existsSync(path)) await new Promise((r) => setTimeout(r, pollMs));
}
