/**
 * `sedna gm`: the GlobalManager alone, against any kubeconfig (the embedded API server's, or a real cluster's with
 * `--kubernetes`). With `--ready-file` it writes `{hubUrl, pid}` there once local controllers can connect.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { loadGmConfig, startGlobalManager, type RunningGlobalManager } from '@sedna/gm';

export interface GmCommandOptions {
  config: string;
  kubeconfig?: string;
  tlsCert?: string;
  tlsKey?: string;
  readyFile?: string;
  /** Pods run on a real cluster's kubelets instead of the local controllers (kubernetes mode). */
  kubernetes: boolean;
}

export async function runGm(options: GmCommandOptions): Promise<RunningGlobalManager> {
  const config = loadGmConfig(options.config);
  const kc = new k8s.KubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else if (config.kubeConfig) kc.loadFromFile(config.kubeConfig);
  else kc.loadFromCluster();
  const tls = options.tlsCert && options.tlsKey ? { cert: readFileSync(options.tlsCert, 'utf8'), key: readFileSync(options.tlsKey, 'utf8') } : undefined;
  const gm = await startGlobalManager({ config, kubeConfig: kc, runPodsOnLocalControllers: !options.kubernetes, ...(tls ? { tls } : {}) });
  if (options.readyFile) writeFileSync(options.readyFile, JSON.stringify({ hubUrl: gm.hubUrl, pid: process.pid }) + '\n');
  return gm;
}
