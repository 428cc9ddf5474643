/**
 * The control plane of the all-in-one mode in one process: the embedded API server, the GlobalManager with its
 * websocket hub (TLS with the API server's certificate), the knowledge base server of lifelong learning, and when
 * asked the message broker of multi-edge inference (broker.ts). It writes `<data-dir>/control-plane.json` telling local
 * controllers where to connect, and serves `kubectl logs` by reading from the pod's node.
 */
import { randomBytes } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { ApiError, startApiServer, type PodLogsProvider, type RunningApiServer, type StoreSync } from '@sedna/apiserver';
import { CONTROL_PLANE_CLIENT_CN } from '@sedna/api';
import { CertificateAuthority } from '@sedna/gm';
import { NODE_API_PORT_LABEL, makeKeyAndRequest } from '@sedna/lc';
import { controlPlaneInfoPath, type ControlPlaneInfo } from '../paths.js';
import { endChild } from './child-process.js';
import { BrokerProcess, type BrokerKind } from './broker.js';
import { KnowledgeBaseProcess } from './knowledge-base.js';
import { prometheusFiles, startPrometheusDiscovery } from '../observability/prometheus.js';
import { LOG_SEARCH_ROUTE, logSearchRoute } from '../observability/log-search.js';
import { CONSOLE_PREFIX, consoleBuilt, serveConsole } from '@sedna/console';

export interface ControlPlaneOptions {
  dataDir: string;
  apiPort: number;
  hubPort: number;
  /** Address to listen on; 0.0.0.0 lets local controllers on other hosts join. */
  host: string;
  /** Extra names and addresses for the certificate (hosts that join from elsewhere reach us by them). */
  advertise: string[];
  nodeGracePeriodSeconds?: number;
  /** How often the embedded autoscaler reads autoscaled workers' metrics (default 15 s, the HPA's sync period). */
  hpaSyncPeriodSeconds?: number;
  /** Port of the knowledge base server (the original's 9020); 0 for any free one. */
  kbPort: number;
  /**
   * Accept the token shared by every node (`<data-dir>/node-token`): only for `sedna up`, where every node is on
   * this machine. Otherwise nodes join with bootstrap tokens (`sedna token create`) for credentials of their own.
   */
  allowSharedToken?: boolean;
  /** Also serve the API server's /metrics without a token on this address. */
  metricsAddress?: { host: string; port: number };
  /** The broker of multi-edge workers with kafkaSupport: `nats` runs Debian's nats-server with JetStream (default none). */
  broker?: BrokerKind;
  /** Its port; 0 for any free one (kept across restarts). */
  brokerPort?: number;
  /** The API server's write durability: `normal` (default: survives a killed process) or `full` (also a power cut). */
  storeSync?: StoreSync;
  /** A Prometheus (scraping what prometheus.yml names) whose queries the web console charts. */
  prometheusUrl?: URL;
}

export interface RunningControlPlane {
  api: RunningApiServer;
  info: ControlPlaneInfo;
  /** The GM runs as a supervised child process. */
  gmPid(): number | undefined;
  stop(): Promise<void>;
}

function loadOrCreate(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const value = randomBytes(24).toString('base64url');
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return value;
}

const CLIENT_CERT_FILE = 'control-plane-client.crt';
const CLIENT_KEY_FILE = 'control-plane-client.key';

/**
 * The control plane's client identity towards node APIs (`sedna:control-plane`, from its CA), made once. Node APIs
 * serve logs to that identity alone.
 */
function controlPlaneClientCertificate(pkiDir: string): NodeApiClientIdentity {
  const certFile = join(pkiDir, CLIENT_CERT_FILE);
  const keyFile = join(pkiDir, CLIENT_KEY_FILE);
  const caPem = readFileSync(join(pkiDir, 'ca.crt'), 'utf8');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const ca = new CertificateAuthority(caPem, readFileSync(join(pkiDir, 'ca.key'), 'utf8'));
    const { keyPem, csrPem } = makeKeyAndRequest(CONTROL_PLANE_CLIENT_CN);
    writeFileSync(keyFile, keyPem, { mode: 0o600 });
    writeFileSync(certFile, ca.sign(csrPem, { subject: `/O=sedna:control-plane/CN=${CONTROL_PLANE_CLIENT_CN}`, usages: ['clientAuth'], days: 3650 }));
  }
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), ca: caPem };
}

interface NodeApiClientIdentity {
  cert: string;
  key: string;
  ca: string;
}

/** kubectl logs: find the pod's node and read from its local controller's node API (TLS, our client certificate). */
function podLogsFrom(api: RunningApiServer, identity: NodeApiClientIdentity): PodLogsProvider {
  return async (namespace, name, options, res) => {
    const pod = api.store.get('/pods', namespace, name)?.object;
    const nodeName = (pod?.['spec'] as { nodeName?: string } | undefined)?.nodeName;
    if (!nodeName) throw new Error(`pod ${namespace}/${name} is not bound to a node`);
    const node = api.store.get('/nodes', '', nodeName)?.object;
    const address = ((node?.['status'] as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address;
    const port = node?.metadata.labels?.[NODE_API_PORT_LABEL];
    if (!address || !port) throw new Error(`node ${nodeName} has no local controller address for logs`);
    const query = new URLSearchParams({ ...(options.follow ? { follow: 'true' } : {}), ...(options.previous ? { previous: 'true' } : {}), ...(options.tailLines !== undefined ? { tailLines: String(options.tailLines) } : {}) });
    await new Promise<void>((done, fail) => {
      const req = https.get({ host: address, port: Number(port), path: `/pods/${namespace}/${name}/log?${query}`, ...identity, servername: nodeName }, (upstream) => {
        if (upstream.statusCode !== 200) {
          let text = '';
          upstream.on('data', (c: Buffer) => (text += c.toString()));
          // The node's 400 (container waiting to start, no previous run) is the client's answer, as a kubelet's is.
          upstream.on('end', () => fail(upstream.statusCode === 400 ? new ApiError(400, 'BadRequest', text.trim()) : new Error(`node ${nodeName}: ${text.trim() || upstream.statusCode}`)));
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

const GM_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/**
 * Runs the GM as a child process and restarts it when it dies (backoff up to 5 s), always on the same hub port so
 * that local controllers reconnect to the address they know. The child is spawned before its configuration exists
 * (`--wait-for-config`): loading the GM's code is most of its start, and it overlaps the API server's and the
 * knowledge base's start that the configuration needs.
 */
class GmSupervisor {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;

  constructor(
    private readonly args: string[],
    private readonly configFile: string,
    /** Writes the configuration for this hub port once what it names is up (the first time it waits for that). */
    private readonly writeConfig: (hubPort: number) => Promise<void>,
    private readonly readyFile: string,
    private readonly log: (msg: string) => void,
  ) {}

  hubPort = 0;

  async start(hubPort: number): Promise<string> {
    rmSync(this.readyFile, { force: true });
    // A configuration left from before names another hub port or knowledge base: the child must wait for this one.
    rmSync(this.configFile, { force: true });
    // The IPC channel ties the GM's life to ours: it exits when we are gone (see `sedna gm`).
    // SEDNA_GM_NODE_ARGS: node flags for the GM's process only (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", which
    // NODE_OPTIONS does not allow); the benchmarks pass their BENCH_NODE_ARGS on this way.
    const nodeArgs = (process.env['SEDNA_GM_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, GM_MAIN, ...this.args, '--wait-for-config'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`the GM exited (${signal ?? code}) before it was ready`))));
    exited.catch(() => undefined);
    try {
      await this.writeConfig(hubPort);
    } catch (err) {
      await endChild(child);
      throw err;
    }
    const ready = (async () => {
      for (;;) {
        if (existsSync(this.readyFile)) {
          const text = readFileSync(this.readyFile, 'utf8');
          if (text.endsWith('\n')) return JSON.parse(text) as { hubUrl: string };
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const { hubUrl } = await Promise.race([ready, exited]);
    this.hubPort = Number(new URL(hubUrl).port);
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      const delay = Math.min(5000, 200 * 2 ** Math.min(this.restarts++, 5));
      this.log(`the GM exited (${signal ?? code}); restarting it in ${delay} ms`);
      setTimeout(() => void this.start(this.hubPort).then(() => (this.restarts = 0)).catch((err: unknown) => this.log(String(err))), delay);
    });
    return hubUrl;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child) await endChild(this.child);
  }

}

export async function startControlPlane(options: ControlPlaneOptions): Promise<RunningControlPlane> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const apiDir = join(dataDir, 'apiserver');
  const pki = join(apiDir, 'pki');
  const log = (m: string): void => console.error(`[control-plane] ${m}`);
  const nodeTokenFile = join(dataDir, 'node-token');
  const nodeToken = loadOrCreate(nodeTokenFile);
  // The secret of the per-job credentials (SEDNA_JOB_CREDENTIAL): the GM makes them, the knowledge base checks them.
  const jobSecretFile = join(dataDir, 'job-credential-secret');
  const jobSecret = loadOrCreate(jobSecretFile);
  const advertised = options.host === '0.0.0.0' ? (options.advertise[0] ?? '127.0.0.1') : options.host;
  const kb = new KnowledgeBaseProcess({
    secretFile: jobSecretFile,
    dir: join(dataDir, 'kb'),
    host: options.host,
    port: options.kbPort,
    // Workers on other hosts reach it by the first advertised name, as they reach the API server.
    advertise: advertised,
    log,
  });
  const broker = options.broker === 'nats' ? new BrokerProcess({ dir: join(dataDir, 'broker'), host: options.host, advertise: advertised, port: options.brokerPort ?? 0, log }) : undefined;

  // The API server, the knowledge base, the broker and the GM's process start at once: none needs another to
  // start, only the GM's configuration needs them all (the GM waits for it).
  // The GM's requests take a local socket (no TLS) when its path fits a Unix socket; else the HTTPS port.
  const socketPath = join(apiDir, 'api.sock');
  const apiStarted = startApiServer({
    dataDir: apiDir,
    port: options.apiPort,
    host: options.host === '0.0.0.0' ? '127.0.0.1' : options.host,
    certificateNames: options.advertise,
    ...(Buffer.byteLength(socketPath) <= 107 ? { socketPath } : {}),
    ...(options.metricsAddress ? { metricsAddress: options.metricsAddress } : {}),
    ...(options.storeSync ? { storeSync: options.storeSync } : {}),
  });
  const kbStarted = kb.start();
  const brokerStarted = broker ? broker.start() : Promise.resolve(undefined);
  const dependencies = Promise.all([apiStarted, kbStarted, brokerStarted]).then(([api, kbUrl, brokerUrl]) => {
    // Made before the GM starts: it shows this identity to node APIs too (worker metrics for embedded autoscaling).
    const nodeApiIdentity = controlPlaneClientCertificate(pki);
    return { api, kbUrl, brokerUrl, nodeApiIdentity };
  });
  dependencies.catch(() => undefined);

  const gmConfigFile = join(dataDir, 'gm.yaml');
  const writeConfig = async (hubPort: number): Promise<void> => {
    const { api, kbUrl, brokerUrl } = await dependencies;
    const text = stringify({
      kubeConfig: api.kubeconfigPath,
      websocket: { address: options.host, port: hubPort },
      ...(options.allowSharedToken ? { nodeToken } : {}),
      jobCredentialSecret: jobSecret,
      // Prometheus scrapes the GM's /metrics with this file's token (prometheus.ts), shared token or not.
      metrics: { token: nodeToken },
      knowledgeBaseServer: { server: kbUrl },
      ...(brokerUrl ? { broker: { url: brokerUrl } } : {}),
      ...(api.socketPath ? { apiSocket: api.socketPath } : {}),
      ...(options.nodeGracePeriodSeconds ? { nodeGracePeriodSeconds: options.nodeGracePeriodSeconds } : {}),
      ...(options.hpaSyncPeriodSeconds ? { autoscaling: { syncPeriodSeconds: options.hpaSyncPeriodSeconds } } : {}),
    });
    // Renamed into place: the waiting GM reads it as soon as it exists, never half-written.
    writeFileSync(`${gmConfigFile}.tmp`, text, { mode: 0o600 });
    renameSync(`${gmConfigFile}.tmp`, gmConfigFile);
  };
  const readyFile = join(dataDir, 'gm.ready');
  const gm = new GmSupervisor(
    ['gm', '--config', gmConfigFile, '--tls-cert', join(pki, 'apiserver.crt'), '--tls-key', join(pki, 'apiserver.key'), '--ca-cert', join(pki, 'ca.crt'), '--ca-key', join(pki, 'ca.key'), '--node-api-client-cert', join(pki, CLIENT_CERT_FILE), '--node-api-client-key', join(pki, CLIENT_KEY_FILE), '--ready-file', readyFile],
    gmConfigFile,
    writeConfig,
    readyFile,
    log,
  );
  // A GM left over from a control plane killed a moment ago may still hold the hub port: retry a few times.
  const startGm = async (attempt = 0): Promise<string> => {
    try {
      return await gm.start(options.hubPort);
    } catch (err) {
      if (attempt >= 5 || (await dependencies.then(() => false, () => true))) throw err;
      await new Promise((r) => setTimeout(r, 300 * (attempt + 1)));
      return startGm(attempt + 1);
    }
  };
  let started: Awaited<typeof dependencies> & { hubUrl: string };
  try {
    const [deps, hubUrl] = await Promise.all([dependencies, startGm()]);
    started = { ...deps, hubUrl };
  } catch (err) {
    // Whatever did start is stopped again; the first failure is the one reported.
    await Promise.allSettled([gm.stop(), kb.stop(), broker?.stop(), apiStarted.then((api) => api.close())]);
    throw err;
  }
  const { api, kbUrl, brokerUrl, nodeApiIdentity, hubUrl } = started;
  api.setPodLogs(podLogsFrom(api, nodeApiIdentity));
  api.addRoute(LOG_SEARCH_ROUTE, logSearchRoute(api, nodeApiIdentity));
  serveConsole(api, options.prometheusUrl ? { prometheus: options.prometheusUrl } : {});
  if (!consoleBuilt()) log('the web console is not built (npm run build builds it); /console/ says so');
  const caFile = join(apiDir, 'pki', 'ca.crt');
  const prometheus = prometheusFiles(dataDir);
  const stopDiscovery = startPrometheusDiscovery(api, prometheus, { apiServer: `${api.host}:${api.port}`, gm: new URL(hubUrl).host, caFile, apiTokenFile: join(apiDir, 'token'), nodeTokenFile, nodeApiClientCertFile: join(apiDir, 'pki', CLIENT_CERT_FILE), nodeApiClientKeyFile: join(apiDir, 'pki', CLIENT_KEY_FILE) });
  const info: ControlPlaneInfo = { apiUrl: api.url, kubeconfig: api.kubeconfigPath, hubUrl, kbUrl, caFile, nodeTokenFile, pid: process.pid, gmPid: gm.pid ?? 0, prometheusConfig: prometheus.config, consoleUrl: `${api.url}${CONSOLE_PREFIX}`, ...(brokerUrl ? { brokerUrl } : {}) };
  writeFileSync(controlPlaneInfoPath(dataDir), JSON.stringify(info, null, 2) + '\n');
  return {
    api,
    info,
    gmPid: () => gm.pid,
    stop: async () => {
      stopDiscovery();
      // Both at once: a signal to the whole process group reaches them too, and must not look like a crash.
      await Promise.all([gm.stop(), kb.stop(), broker?.stop()]);
      await api.close();
    },
  };
}
