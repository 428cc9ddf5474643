#!/usr/bin/env node
/**
 * The `sedna` command.
 *   sedna up [--edge-nodes N] [--data-dir DIR] [--broker nats]   the all-in-one control plane with a cloud and N edge nodes
 *   sedna join --gm URL --token-file F --ca C --node-name N   a local controller for this host
 *   sedna token create [--ttl 1h]                  a bootstrap token for nodes that join
 *   sedna apply|get|describe|delete|logs ...        kubectl against the embedded control plane (or --kubeconfig)
 *   sedna logs --search WORD [--pod P] [--since 1h]  every pod's logs on every node searched
 *   sedna benchmark -f benchmarkingjob.yaml [--parallel N]   an Ianvs-compatible benchmarking job
 *   sedna version
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { installLastResort, ownerOnlyFiles, restrictTree } from '@sedna/api/guard';
import { parseBrokerKind } from './commands/broker.js';
import { STORE_SYNC_MODES, type StoreSync } from '@sedna/apiserver';
import { startControlPlane } from './commands/control-plane.js';
import { runGm, waitForFile } from './commands/gm.js';
import { limitHeapGrowth } from '@sedna/gm';
import { join as joinNode } from './commands/join.js';
import { createToken } from './commands/token.js';
import { parseListenAddress } from '@sedna/metrics';
import { registerFlowCommand } from './commands/flow.js';
import { registerConsoleCommand } from './commands/console.js';
import { parsePrometheusUrl } from '@sedna/console';
import { resolveNodeToken } from './commands/node-token.js';
import { up } from './commands/up.js';
import { parseLogSearchArgs, searchLogs } from './commands/log-search.js';
import { bundledKubectl, runKubectl } from './kubectl.js';
import { DEFAULT_DATA_DIR, resolveKubeconfig } from './paths.js';

const VERSION = '0.1.0';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const KUBECTL_COMMANDS = new Set(['apply', 'get', 'describe', 'delete', 'logs', 'patch', 'label', 'create', 'edit', 'explain', 'api-resources']);

/** How durable the API server's acknowledged writes are: a killed process (normal) or also a power cut (full). */
function storeSyncOption(): Option {
  return new Option('--store-sync <mode>', 'API server write durability: normal survives a killed process, full also a power cut (an fsync per write)')
    .choices([...STORE_SYNC_MODES])
    .default('normal');
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`not a port number: ${value}`);
  return n;
}

/**
 * What every long-running sedna process does first: files it (and SQLite) creates are owner-only, files an older
 * version left readable in its data folder are fixed, and an exception that escapes a handler is logged, not fatal.
 */
function serverProcess(name: string, dataDir?: string): void {
  ownerOnlyFiles();
  installLastResort({ name: `sedna ${name}` });
  if (dataDir) {
    const fixed = restrictTree(resolve(dataDir));
    if (fixed > 0) console.error(`sedna ${name}: made ${fixed} file(s) and folder(s) under ${dataDir} owner-only`);
  }
}

function untilSignal(stop: () => Promise<void>): void {
  const handler = (): void => {
    void stop().then(() => process.exit(0));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

/** Passes kubectl-style commands through, taking our own --data-dir and --kubeconfig out. */
async function passThrough(argv: string[]): Promise<number> {
  let dataDir = DEFAULT_DATA_DIR;
  let kubeconfig: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--data-dir') dataDir = argv[++i] ?? dataDir;
    else if (a.startsWith('--data-dir=')) dataDir = a.slice('--data-dir='.length);
    else if (a === '--kubeconfig') kubeconfig = argv[++i];
    else if (a.startsWith('--kubeconfig=')) kubeconfig = a.slice('--kubeconfig='.length);
    else rest.push(a);
  }
  if (rest[0] === 'logs') {
    const search = parseLogSearchArgs(rest.slice(1));
    if (search) return searchLogs(resolveKubeconfig(kubeconfig, dataDir), search);
  }
  const kubectl = bundledKubectl(join(root, 'node_modules', '.cache'));
  return runKubectl(kubectl, resolveKubeconfig(kubeconfig, dataDir), rest);
}

const argv = process.argv.slice(2);
if (argv[0] && KUBECTL_COMMANDS.has(argv[0])) {
  process.exit(await passThrough(argv));
}

const program = new Command('sedna').description('Sedna edge-cloud synergy AI, in TypeScript').version(VERSION, '--version');

program
  .command('up')
  .description('start the all-in-one control plane with a cloud node and N edge nodes on this machine')
  .option('--edge-nodes <n>', 'number of edge nodes', '2')
  .option('--data-dir <dir>', 'state folder', DEFAULT_DATA_DIR)
  .option('--port <port>', 'API server port (0: any free port)', '6443')
  .option('--hub-port <port>', 'port local controllers connect to (0: any free port)', '9000')
  .option('--kb-port <port>', 'knowledge base server port, lifelong learning (0: any free port)', '9020')
  .option('--dataset-root <dir...>', 'folders datasets may be read from', ['/'])
  .option('--broker <kind>', 'message broker for multi-edge workers with kafkaSupport: nats (Debian\'s nats-server with JetStream) or none', 'none')
  .option('--broker-port <port>', 'its port (0: any free port)', '4222')
  .option('--hpa-sync-period <seconds>', 'how often autoscaled joint inference workers\' metrics are read', '15')
  .addOption(storeSyncOption())
  .option('--prometheus-url <url>', 'a Prometheus scraping <data-dir>/prometheus/prometheus.yml: the web console charts its queries')
  .action(async (o: { edgeNodes: string; dataDir: string; port: string; hubPort: string; kbPort: string; datasetRoot: string[]; hpaSyncPeriod: string; storeSync: StoreSync; broker: string; brokerPort: string; prometheusUrl?: string }) => {
    const edgeNodes = Number(o.edgeNodes);
    if (!Number.isInteger(edgeNodes) || edgeNodes < 0) throw new Error(`--edge-nodes must be a number, got ${o.edgeNodes}`);
    const hpaSyncPeriodSeconds = Number(o.hpaSyncPeriod);
    if (!(hpaSyncPeriodSeconds >= 0.1)) throw new Error(`--hpa-sync-period must be a number of seconds, at least 0.1, got ${o.hpaSyncPeriod}`);
    serverProcess('up', o.dataDir);
    const handle = await up({ dataDir: o.dataDir, edgeNodes, apiPort: port(o.port), hubPort: port(o.hubPort), kbPort: port(o.kbPort), datasetRoots: o.datasetRoot, hpaSyncPeriodSeconds, storeSync: o.storeSync, broker: parseBrokerKind(o.broker), brokerPort: port(o.brokerPort), ...(o.prometheusUrl ? { prometheusUrl: parsePrometheusUrl(o.prometheusUrl) } : {}) });
    console.log('Press Ctrl-C to stop.');
    untilSignal(handle.stop);
  });

program
  .command('control-plane')
  .description('run the API server and the GM in this process (what `up` starts)')
  .option('--data-dir <dir>', 'state folder', DEFAULT_DATA_DIR)
  .option('--port <port>', 'API server port', '6443')
  .option('--hub-port <port>', 'port local controllers connect to', '9000')
  .option('--kb-port <port>', 'knowledge base server port, lifelong learning (0: any free port)', '9020')
  .option('--host <address>', 'address to listen on (0.0.0.0 for local controllers on other hosts)', '127.0.0.1')
  .option('--advertise <name...>', 'extra host names or addresses for the certificate', [])
  .option('--node-grace-period <seconds>', 'silence after which a node is NotReady', '40')
  .option('--allow-shared-token', 'accept the token every node shares (<data-dir>/node-token): single-machine `sedna up` only', false)
  .option('--metrics-address <host:port>', 'also serve the API server\'s /metrics without a token there')
  .option('--hpa-sync-period <seconds>', 'how often autoscaled joint inference workers\' metrics are read', '15')
  .addOption(storeSyncOption())
  .option('--broker <kind>', 'message broker for multi-edge workers with kafkaSupport: nats (Debian\'s nats-server with JetStream) or none', 'none')
  .option('--broker-port <port>', 'its port (0: any free port)', '4222')
  .option('--prometheus-url <url>', 'a Prometheus scraping <data-dir>/prometheus/prometheus.yml: the web console charts its queries')
  .action(async (o: { dataDir: string; port: string; hubPort: string; kbPort: string; host: string; advertise: string[]; nodeGracePeriod: string; metricsAddress?: string; hpaSyncPeriod: string; storeSync: StoreSync; allowSharedToken: boolean; broker: string; brokerPort: string; prometheusUrl?: string }) => {
    serverProcess('control-plane', o.dataDir);
    if (o.allowSharedToken && o.host !== '127.0.0.1' && o.host !== 'localhost') console.error('warning: --allow-shared-token with a non-local --host: any host that learns the token can speak for every node');
    const hpaSyncPeriodSeconds = Number(o.hpaSyncPeriod);
    if (!(hpaSyncPeriodSeconds >= 0.1)) throw new Error(`--hpa-sync-period must be a number of seconds, at least 0.1, got ${o.hpaSyncPeriod}`);
    const cp = await startControlPlane({ dataDir: o.dataDir, apiPort: port(o.port), hubPort: port(o.hubPort), kbPort: port(o.kbPort), host: o.host, advertise: o.advertise, nodeGracePeriodSeconds: Number(o.nodeGracePeriod), hpaSyncPeriodSeconds, storeSync: o.storeSync, allowSharedToken: o.allowSharedToken, ...(o.metricsAddress ? { metricsAddress: parseListenAddress(o.metricsAddress) } : {}), broker: parseBrokerKind(o.broker), brokerPort: port(o.brokerPort), ...(o.prometheusUrl ? { prometheusUrl: parsePrometheusUrl(o.prometheusUrl) } : {}) });
    console.log(`API server ${cp.info.apiUrl}; local controllers connect to ${cp.info.hubUrl}; knowledge base ${cp.info.kbUrl}; web console ${cp.info.consoleUrl}${cp.info.brokerUrl ? `; broker ${cp.info.brokerUrl}` : ''}`);
    untilSignal(cp.stop);
  });

program
  .command('gm')
  .description('run the GlobalManager alone (control-plane starts it; use it for a real cluster with --kubernetes)')
  .requiredOption('--config <file>', 'the GM configuration file (websocket, nodeToken, kubeConfig, ...)')
  .option('--kubeconfig <file>', 'the API to reconcile against (default: the config file\'s kubeConfig, else in-cluster)')
  .option('--tls-cert <file>', 'certificate of the websocket hub (wss)')
  .option('--tls-key <file>', 'key of that certificate')
  .option('--ca-cert <file>', 'the control plane\'s CA certificate (signs node certificates at bootstrap)')
  .option('--ca-key <file>', 'the key of that CA')
  .option('--ready-file <file>', 'write {hubUrl, pid} there once ready')
  .option('--kubernetes', 'pods run on the cluster\'s kubelets, not on local controllers', false)
  .option('--node-api-client-cert <file>', 'client certificate (from that CA) the GM shows node APIs: embedded autoscaling reads worker metrics there')
  .option('--node-api-client-key <file>', 'its key')
  .option('--wait-for-config', 'wait until the configuration file exists (the control plane starts the GM while it starts what the file names)', false)
  .action(async (o: { config: string; kubeconfig?: string; tlsCert?: string; tlsKey?: string; caCert?: string; caKey?: string; nodeApiClientCert?: string; nodeApiClientKey?: string; readyFile?: string; kubernetes: boolean; waitForConfig: boolean }) => {
    serverProcess('gm');
    // The GM's own process: its garbage collection keeps the peak near what is live (see heap-policy.ts).
    limitHeapGrowth();
    const running: { gm?: Awaited<ReturnType<typeof runGm>> } = {};
    // Started by a control plane: go when it goes, even if it was killed without a chance to stop us (also while
    // still waiting for the configuration).
    if (process.send) process.once('disconnect', () => void (running.gm?.stop() ?? Promise.resolve()).then(() => process.exit(0)));
    if (o.waitForConfig) await waitForFile(o.config);
    const gm = await runGm({ config: o.config, kubernetes: o.kubernetes, ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.tlsCert ? { tlsCert: o.tlsCert } : {}), ...(o.tlsKey ? { tlsKey: o.tlsKey } : {}), ...(o.caCert ? { caCert: o.caCert } : {}), ...(o.caKey ? { caKey: o.caKey } : {}), ...(o.nodeApiClientCert ? { nodeApiClientCert: o.nodeApiClientCert } : {}), ...(o.nodeApiClientKey ? { nodeApiClientKey: o.nodeApiClientKey } : {}), ...(o.readyFile ? { readyFile: o.readyFile } : {}) });
    running.gm = gm;
    untilSignal(gm.stop);
  });

program
  .command('join')
  .description('run a local controller for this host, connected to a GM')
  .requiredOption('--gm <url...>', 'the GM channel, wss://host:port/ (several for GM replicas)')
  .option('--token-file <file>', 'file (owner-only) holding a bootstrap token (sedna token create), exchanged once for this node\'s own credential; or set SEDNA_NODE_TOKEN')
  .option('--token <token>', 'deprecated: the token on the command line is readable by every local user; use --token-file')
  .requiredOption('--node-name <name>', 'this node')
  .addOption(new Option('--role <role>', 'node role').choices(['edge', 'cloud']).default('edge'))
  .option('--ca <file>', 'CA certificate of the control plane (<data-dir>/apiserver/pki/ca.crt)')
  .option('--data-dir <dir>', 'state folder (its credential/ holds this node\'s credential)', join(DEFAULT_DATA_DIR, 'node'))
  .option('--address <ip>', 'this node\'s address, as the control plane and other nodes reach it', '127.0.0.1')
  .option('--dataset-root <dir...>', 'folders datasets may be read from', ['/'])
  .option('--heartbeat-ms <ms>', 'heartbeat period')
  .option('--report-port <port>', 'worker report endpoint, LC_SERVER (0: any free port)', '0')
  .option('--node-api-port <port>', 'node API, pod logs (0: any free port)', '0')
  .option('--kubernetes', 'pods run on the cluster\'s kubelets, not here (the LC DaemonSet)', false)
  .option('--metrics-address <host:port>', 'also serve /metrics without a token there (the node API serves it with the node token)')
  .action(async (o: { gm: string[]; token?: string; tokenFile?: string; nodeName: string; role: 'edge' | 'cloud'; ca?: string; dataDir: string; address: string; datasetRoot: string[]; heartbeatMs?: string; reportPort: string; nodeApiPort: string; kubernetes: boolean; metricsAddress?: string }) => {
    serverProcess(`join ${o.nodeName}`, o.dataDir);
    const token = () => resolveNodeToken({ ...(o.token !== undefined ? { flag: o.token } : {}), ...(o.tokenFile !== undefined ? { file: o.tokenFile } : {}), env: process.env, warn: (m) => console.error(`sedna join: ${m}`) });
    const lc = await joinNode({
      gm: o.gm,
      token,
      nodeName: o.nodeName,
      role: o.role,
      dataDir: o.dataDir,
      address: o.address,
      datasetRoots: o.datasetRoot,
      kubernetes: o.kubernetes,
      reportPort: port(o.reportPort),
      nodeApiPort: port(o.nodeApiPort),
      ...(o.ca ? { caFile: o.ca } : {}),
      ...(o.heartbeatMs ? { heartbeatMs: Number(o.heartbeatMs) } : {}),
      ...(o.metricsAddress ? { metricsAddress: parseListenAddress(o.metricsAddress) } : {}),
    });
    untilSignal(lc.close);
  });

registerFlowCommand(program);
registerConsoleCommand(program);

program
  .command('token')
  .description('bootstrap tokens for nodes that join (`sedna token create`)')
  .command('create')
  .description('make a short-lived bootstrap token, print it, and store it where the GM checks it')
  .option('--ttl <duration>', 'how long it is valid: 30m, 2h, 1d', '1h')
  .option('--namespace <ns>', 'the GM\'s credentials namespace', 'sedna')
  .option('--secret <name>', 'also store it as the Secret NAME (key token) for the LC DaemonSet to mount')
  .option('--output <file>', 'write the token to this file (mode 0600) instead of printing it')
  .option('--description <text>', 'what it is for')
  .option('--data-dir <dir>', 'the embedded control plane\'s state folder', DEFAULT_DATA_DIR)
  .option('--kubeconfig <file>', 'a cluster\'s kubeconfig instead of the embedded control plane')
  .action(async (o: { ttl: string; namespace: string; secret?: string; output?: string; description?: string; dataDir: string; kubeconfig?: string }) => {
    await createToken({ ttl: o.ttl, namespace: o.namespace, dataDir: o.dataDir, ...(o.secret ? { secret: o.secret } : {}), ...(o.output ? { output: o.output } : {}), ...(o.description ? { description: o.description } : {}), ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}) });
  });

program
  .command('benchmark')
  .description('run an Ianvs benchmarking job (benchmarkingjob.yaml, testenv, algorithms): ranks, plots, report')
  .requiredOption('-f, --file <file>', 'the benchmarkingjob.yaml')
  .option('--parallel <n>', 'test cases run at the same time', '1')
  // Loaded on use: the runner brings the whole worker lib, which the other commands do not need.
  .action(async (o: { file: string; parallel: string }) => process.exit(await (await import('@sedna/benchmarking')).benchmarkCommand(o)));

program
  .command('version')
  .description('print the version')
  .action(() => console.log(`sedna ${VERSION} (TypeScript; sedna.io/v1alpha1)`));

program.addHelpText('after', `\nkubectl commands (${[...KUBECTL_COMMANDS].join(', ')}) run the bundled kubectl against the embedded control plane\n(--data-dir, default ${DEFAULT_DATA_DIR}) or --kubeconfig.`);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`sedna: ${(err as Error).message}`);
  process.exit(1);
}
