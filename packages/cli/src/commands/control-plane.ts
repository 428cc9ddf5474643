/**
 * The control plane of the all-in-one mode in one process: the embedded API server and the GlobalManager with its
 * websocket hub (TLS with the API server's certificate). It writes `<data-dir>/control-plane.json` telling local
 * controllers where to connect, and serves `kubectl logs` by reading from the pod's node.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startApiServer, type PodLogsProvider, type RunningApiServer } from '@sedna/apiserver';
import { parseGmConfig, startGlobalManager, type RunningGlobalManager } from '@sedna/gm';
import { NODE_API_PORT_LABEL } from '@sedna/lc';
import { controlPlaneInfoPath, type ControlPlaneInfo } from '../paths.js';

export interface ControlPlaneOptions {
  dataDir: string;
  apiPort: number;
  hubPort: number;
  /** Address to listen on; 0.0.0.0 lets local controllers on other hosts join. */
  host: string;
  /** Extra names and addresses for the certificate (hosts that join from elsewhere reach us by them). */
  advertise: string[];
  nodeGracePeriodSeconds?: number;
}

export interface RunningControlPlane {
  api: RunningApiServer;
  gm: RunningGlobalManager;
  info: ControlPlaneInfo;
  stop(): Promise<void>;
}

function loadOrCreate(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const value = randomBytes(24).toString('base64url');
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return value;
}

/** kubectl logs: find the pod's node and read from its local controller's node API. */
function podLogsFrom(api: RunningApiServer, nodeToken: string): PodLogsProvider {
  return async (namespace, name, options, res) => {
    const pod = api.store.get('/pods', namespace, name)?.object;
    const nodeName = (pod?.['spec'] as { nodeName?: string } | undefined)?.nodeName;
    if (!nodeName) throw new Error(`pod ${namespace}/${name} is not bound to a node`);
    const node = api.store.get('/nodes', '', nodeName)?.object;
    const address = ((node?.['status'] as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address;
    const port = node?.metadata.labels?.[NODE_API_PORT_LABEL];
    if (!address || !port) throw new Error(`node ${nodeName} has no local controller address for logs`);
    const query = new URLSearchParams({ ...(options.follow ? { follow: 'true' } : {}), ...(options.tailLines !== undefined ? { tailLines: String(options.tailLines) } : {}) });
    await new Promise<void>((done, fail) => {
      const req = http.get({ host: address, port: Number(port), path: `/pods/${namespace}/${name}/log?${query}`, headers: { Authorization: `Bearer ${nodeToken}` } }, (upstream) => {
        if (upstream.statusCode !== 200) {
          let text = '';
          upstream.on('data', (c: Buffer) => (text += c.toString()));
          upstream.on('end', () => fail(new Error(`node ${nodeName}: ${text.trim() || upstream.statusCode}`)));
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        upstream.pipe(res);
        upstream.on('end', () => done());
        res.on('close', () => {
          upstream.destroy();
          done();
        });
      });
      req.on('error', (err) => fail(new Error(`node ${nodeName} cannot be reached for logs: ${err.message}`, { cause: err })));
    });
  };
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<RunningControlPlane> {
  const dataDir = resolve(options.dataDir);
  const apiDir = join(dataDir, 'apiserver');
  const api = await startApiServer({ dataDir: apiDir, port: options.apiPort, host: options.host === '0.0.0.0' ? '127.0.0.1' : options.host, certificateNames: options.advertise });
  const nodeTokenFile = join(dataDir, 'node-token');
  const nodeToken = loadOrCreate(nodeTokenFile);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  const tls = { cert: readFileSync(join(apiDir, 'pki', 'apiserver.crt'), 'utf8'), key: readFileSync(join(apiDir, 'pki', 'apiserver.key'), 'utf8') };
  const config = parseGmConfig({ websocket: { address: options.host, port: options.hubPort }, nodeToken, ...(options.nodeGracePeriodSeconds ? { nodeGracePeriodSeconds: options.nodeGracePeriodSeconds } : {}) });
  const gm = await startGlobalManager({ config, kubeConfig: kc, runPodsOnLocalControllers: true, tls });
  api.setPodLogs(podLogsFrom(api, nodeToken));
  const info: ControlPlaneInfo = { apiUrl: api.url, kubeconfig: api.kubeconfigPath, hubUrl: gm.hubUrl, caFile: join(apiDir, 'pki', 'ca.crt'), nodeTokenFile, pid: process.pid };
  writeFileSync(controlPlaneInfoPath(dataDir), JSON.stringify(info, null, 2) + '\n');
  return {
    api,
    gm,
    info,
    stop: async () => {
      await gm.stop();
      await api.close();
    },
  };
}
