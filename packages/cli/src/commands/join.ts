/**
 * `sedna join`: a local controller for this host, connected to a GM over the network. The token comes from a file or
 * the environment, never the command line (node-token.ts): a bootstrap token (`sedna token create`), exchanged on
 * the first start for a credential of this node alone (kept in `<data-dir>/credential/`, reused afterwards); `--ca`
 * is the control plane's CA. Its node API (logs) then serves TLS with the certificate the GM signed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ensureNodeIdentity, startLocalController, storedNodeIdentity, type RunningLocalController } from '@sedna/lc';

export interface JoinOptions {
  /** The GM's URL(s); several for GM replicas. */
  gm: string[];
  /**
   * Reads the token (resolveNodeToken): a bootstrap token, or with `sedna up` only the shared node token. Called
   * only when needed: a node that keeps its own credential starts without it (the bootstrap token may be gone).
   */
  token: () => string;
  nodeName: string;
  role: 'cloud' | 'edge';
  dataDir: string;
  address: string;
  caFile?: string;
  datasetRoots: string[];
  heartbeatMs?: number;
  /** Pods run on a cluster's kubelets, not here (the LC DaemonSet). */
  kubernetes?: boolean;
  reportPort?: number;
  nodeApiPort?: number;
  metricsAddress?: { host: string; port: number };
}

export async function join(options: JoinOptions): Promise<RunningLocalController> {
  const log = (m: string) => console.log(`[lc ${options.nodeName}] ${m}`);
  const dataDir = resolve(options.dataDir);
  const common = {
    nodeName: options.nodeName,
    role: options.role,
    gmUrl: options.gm,
    dataDir,
    address: options.address,
    reportPort: options.reportPort ?? 0,
    nodeApiPort: options.nodeApiPort ?? 0,
    runPods: !options.kubernetes,
    datasetRoots: options.datasetRoots.map((r) => resolve(r)),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.metricsAddress ? { metricsAddress: options.metricsAddress } : {}),
    log,
  };
  if (options.gm.every((u) => u.startsWith('wss://'))) {
    if (!options.caFile) throw new Error('--ca is required with wss:// (the control plane\'s CA, <data-dir>/apiserver/pki/ca.crt)');
    const identity = storedNodeIdentity(dataDir) ?? (await ensureNodeIdentity({ dataDir, gmUrls: options.gm, caPem: readFileSync(options.caFile, 'utf8'), token: options.token(), nodeName: options.nodeName, addresses: [options.address], log }));
    return startLocalController({ ...common, token: identity.token, gmCa: identity.caPem, nodeApiTls: { cert: identity.certPem, key: identity.keyPem, ca: identity.caPem } });
  }
  log('warning: the GM is reached without TLS (ws://): the token is used as it is, and the node API takes it over plain HTTP');
  return startLocalController({ ...common, token: options.token() });
}
