/**
 * `run.ts --local`: the two workers as processes on this machine, without a control plane. The runner does what
 * the GM and LC would: it starts each worker with its template's command, working folder and env plus the env the
 * GM injects (sedna-reference §3.10: MODEL_URL, HEM_NAME/HEM_PARAMETERS, BIG_MODEL_IP/PORT, BIG_MODEL_BIND_PORT,
 * JOB_NAME, WORKER_NAME, NAMESPACE, LC_SERVER), and a stand-in LC that takes the edge worker's reports.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { containerArgv, freePort, WorkerProcess } from '../../common/worker-process.js';
import type { Container, Manifest, WorkerSpec } from './manifest.js';

export interface LocalRunOptions {
  manifest: Manifest;
  /** Where the workers' logs go (edge.log, cloud.log). */
  logDir: string;
  /** Where the edge worker writes summary.json. */
  summaryFile: string;
  /** Leave the cloud worker out: every hard example then falls back to the edge answer. */
  cloudDown?: boolean;
  /** Echo the workers' log lines to this process's output (default true). */
  echo?: boolean;
  timeoutMs: number;
  log: (line: string) => void;
}

export interface LocalRunResult {
  /** The last report the edge worker sent its (stand-in) LC. */
  lastReport: Record<string, unknown> | undefined;
  reports: number;
}

/** A stand-in LC: accepts POST /sedna/workers/{name}/info as the Go LC does and keeps the last message. */
class ReportSink {
  last: Record<string, unknown> | undefined;
  count = 0;
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/sedna\/workers\/([^/]+)\/info$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) return void res.writeHead(404).end();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        if (body['name'] !== decodeURIComponent(match[1] ?? '')) return void res.writeHead(400).end('name does not match the path');
        this.last = body;
        this.count++;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"Status":200,"Message":"OK"}');
      } catch {
        res.writeHead(400).end('bad JSON');
      }
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function containerOf(worker: WorkerSpec, which: string): Container {
  const container = worker.template.spec.containers[0];
  if (container === undefined) throw new Error(`the ${which} worker's template has no container`);
  if (!container.command || container.command.length === 0) throw new Error(`the ${which} worker's container has no command`);
  return container;
}

function templateEnv(container: Container): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? '']));
}

export async function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
  const { manifest, log } = options;
  const echo = options.echo ?? true;
  const service = manifest.service;
  const namespace = service.metadata.namespace ?? 'default';
  const jobName = service.metadata.name;
  const modelUrl = (worker: WorkerSpec, which: string): string => {
    const url = manifest.modelUrls.get(worker.model.name);
    if (url === undefined) throw new Error(`the ${which} worker's model ${worker.model.name} is not in the manifest`);
    return url;
  };
  const sink = new ReportSink();
  const lcServer = await sink.start();
  const port = await freePort();
  const common = { ...process.env, NAMESPACE: namespace, JOB_NAME: jobName, SERVICE_NAME: jobName, LC_SERVER: lcServer } as Record<string, string>;
  const workers: WorkerProcess[] = [];
  try {
    const cloud = service.spec.cloudWorker;
    const cloudContainer = containerOf(cloud, 'cloud');
    if (!options.cloudDown) {
      const env = { ...common, ...templateEnv(cloudContainer), WORKER_NAME: 'cloudworker-local', MODEL_URL: modelUrl(cloud, 'cloud'), BIG_MODEL_BIND_IP: '127.0.0.1', BIG_MODEL_BIND_PORT: String(port) };
      workers.push(WorkerProcess.start('cloud', containerArgv(cloudContainer, 'the cloud worker'), { cwd: cloudContainer.workingDir, env, logFile: join(options.logDir, 'cloud.log'), echo, log }));
    } else {
      log('the cloud worker is left out (--cloud-down): hard examples fall back to the edge answer');
    }
    const edge = service.spec.edgeWorker;
    const edgeContainer = containerOf(edge, 'edge');
    const hem = edge.hardExampleMining;
    const edgeEnv: Record<string, string> = {
      ...common,
      ...templateEnv(edgeContainer),
      WORKER_NAME: 'edgeworker-local',
      MODEL_URL: modelUrl(edge, 'edge'),
      BIG_MODEL_IP: '127.0.0.1',
      BIG_MODEL_PORT: String(port),
      HEM_NAME: hem?.name ?? '',
      HEM_PARAMETERS: JSON.stringify(hem?.parameters ?? []),
      // Reports every second, so the stand-in LC hears the counters while the stream runs.
      LC_PERIOD: '1',
    };
    if (options.cloudDown) edgeEnv['cloud_wait_seconds'] = '0';
    const edgeWorker = WorkerProcess.start('edge', containerArgv(edgeContainer, 'the edge worker'), { cwd: edgeContainer.workingDir, env: edgeEnv, logFile: join(options.logDir, 'edge.log'), echo, log });
    workers.push(edgeWorker);

    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      if (existsSync(options.summaryFile)) break;
      const ended = workers.find((w) => w.ended);
      if (ended) throw new Error(`the ${ended.name} worker ended (exit ${ended.code}) before the stream finished; see ${join(options.logDir, `${ended.name}.log`)}`);
      if (Date.now() > deadline) throw new Error(`no ${options.summaryFile} after ${options.timeoutMs / 1000} s; see the logs in ${options.logDir}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return { lastReport: sink.last, reports: sink.count };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await sink.stop();
  }
}
