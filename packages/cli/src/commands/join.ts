/** `sedna join`: a local controller for this host, connected to a GM over the network. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startLocalController, type RunningLocalController } from '@sedna/lc';

export interface JoinOptions {
  gm: string;
  token: string;
  nodeName: string;
  role: 'cloud' | 'edge';
  dataDir: string;
  address: string;
  caFile?: string;
  datasetRoots: string[];
  heartbeatMs?: number;
  metricsAddress?: { host: string; port: number };
}

export async function join(options: JoinOptions): Promise<RunningLocalController> {
  return startLocalController({
    nodeName: options.nodeName,
    role: options.role,
    gmUrl: options.gm,
    token: options.token,
    ...(options.caFile ? { gmCa: readFileSync(options.caFile, 'utf8') } : {}),
    dataDir: resolve(options.dataDir),
    address: options.address,
    reportPort: 0,
    nodeApiPort: 0,
    runPods: true,
    datasetRoots: options.datasetRoots.map((r) => resolve(r)),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.metricsAddress ? { metricsAddress: options.metricsAddress } : {}),
  });
}
