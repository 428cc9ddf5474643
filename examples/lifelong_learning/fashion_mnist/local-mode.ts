/**
 * `run.ts --local`: the LifelongLearningJob with local processes and no control plane. The runner plays the parts
 * of the GM and the LC (sedna-reference §3.5, §3.10):
 * - it starts the knowledge base server (the lib's run-kb.ts) and a stand-in LC that takes the workers' reports;
 * - for each round it splits the dataset's new rows by trainProb as the LC does (each row goes to train while
 *   train holds less than trainProb of the rows so far, else to the round's eval version; eval data is the last
 *   five versions), writes <outputDir>/data/{train,eval}/<round>/data.csv with the header line, and runs the train
 *   worker, then the eval worker, with the env the GM injects;
 * - it deploys as the LC does: the eval worker's reported index is copied to <outputDir>/deploy/index.json, and the
 *   inference worker (started at the first deployment) hot-reloads it.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { freePort, WorkerProcess } from '../../common/worker-process.js';
import { containerOf, EXAMPLE_DIR, type Manifest, type Template } from './manifest.js';

const REPO_ROOT = path.resolve(EXAMPLE_DIR, '../../..');
const RUN_KB = path.join(REPO_ROOT, 'packages/lib/src/core/lifelong_learning/run-kb.ts');
const EVAL_VERSION_CAPACITY = 5;

export interface WorkerReport {
  name: string;
  kind: string;
  status: string;
  results?: { url: string; current_metric?: Record<string, Record<string, number>>; number_of_labeled_unseen_sample?: number; number_of_unseen_sample?: number; [key: string]: unknown }[];
}

/** A stand-in LC: takes POST /sedna/workers/{name}/info as the Go LC does and keeps the reports. */
export class ReportSink {
  readonly reports: WorkerReport[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/sedna\/workers\/([^/]+)\/info$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) return void res.writeHead(404).end();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WorkerReport;
        if (body.name !== decodeURIComponent(match[1] ?? '')) return void res.writeHead(400).end('name does not match the path');
        this.reports.push(body);
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

  last(name: string, kind: string): WorkerReport | undefined {
    return this.reports.filter((r) => r.name === name && r.kind === kind).at(-1);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** The LC's accounting of a growing dataset: which rows went to train and which to eval versions. */
class DatasetLedger {
  private consumed = 0;
  private seen = 0;
  private trainTaken = 0;
  private openEval: string[] = [];
  private evalVersions: string[][] = [];

  constructor(
    private readonly url: string,
    private readonly trainProb: number,
  ) {}

  /** New rows since the last round: the round's train rows and the eval data (last versions), with the header. */
  async nextRound(): Promise<{ header: string; train: string[]; eval: string[] }> {
    const [header = '', ...lines] = (await readFile(this.url, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
    const train: string[] = [];
    for (const line of lines.slice(this.consumed)) {
      this.seen++;
      if (this.trainTaken < Math.floor(this.trainProb * this.seen)) {
        train.push(line);
        this.trainTaken++;
      } else this.openEval.push(line);
    }
    this.consumed = lines.length;
    this.evalVersions = [...this.evalVersions, this.openEval].slice(-EVAL_VERSION_CAPACITY);
    this.openEval = [];
    return { header, train, eval: this.evalVersions.flat() };
  }
}

export interface LocalJobOptions {
  manifest: Manifest;
  workDir: string;
  logDir: string;
  echo: boolean;
  log: (line: string) => void;
  timeoutMs: number;
}

export interface RoundOutcome {
  round: number;
  trainRows: number;
  evalRows: number;
  train: WorkerReport;
  eval: WorkerReport;
  /** create_time of the index deployed to the edge. */
  deployedVersion: string;
}

/** What run.ts needs of a way to run the job: here with local processes, or on a control plane (kube-mode.ts). */
export interface ExampleJob {
  /** The deployed knowledge base index (<outputDir>/deploy/index.json). */
  readonly deployIndex: string;
  /** The knowledge base server the workers use (known after start, or after the first round on a control plane). */
  readonly kbUrl: string;
  start(): Promise<void>;
  /** Runs (or waits for) the next Train, Eval and Deploy cycle. */
  runRound(): Promise<RoundOutcome>;
  /** Waits for the inference worker's summary of a pass over the feed. */
  waitForSummary(file: string): Promise<void>;
  stop(): Promise<void>;
}

export class LocalJob implements ExampleJob {
  private readonly sink = new ReportSink();
  private kb: WorkerProcess | undefined;
  private inference: WorkerProcess | undefined;
  private lcUrl = '';
  kbUrl = '';
  private round = 0;
  private readonly ledger: DatasetLedger;
  private readonly spec: Manifest['job']['spec'];
  private readonly common: Record<string, string>;

  constructor(private readonly options: LocalJobOptions) {
    this.spec = options.manifest.job.spec;
    this.ledger = new DatasetLedger(options.manifest.dataset.spec.url, this.spec.dataset.trainProb);
    const { metadata } = options.manifest.job;
    this.common = { NAMESPACE: metadata.namespace ?? 'default', JOB_NAME: metadata.name };
  }

  get outputDir(): string {
    return this.spec.outputDir;
  }

  get deployIndex(): string {
    return path.join(this.outputDir, 'deploy', 'index.json');
  }

  async start(): Promise<void> {
    await mkdir(this.options.logDir, { recursive: true });
    this.lcUrl = await this.sink.start();
    const port = await freePort();
    this.kbUrl = `http://127.0.0.1:${port}`;
    this.kb = WorkerProcess.start('kb', [process.execPath, '--import', 'tsx', RUN_KB], {
      cwd: REPO_ROOT,
      env: { ...process.env, KnowledgeBaseServer: this.kbUrl, KnowledgeBasePath: path.join(this.options.workDir, 'kb') } as Record<string, string>,
      append: true,
      logFile: path.join(this.options.logDir, 'kb.log'),
      echo: this.options.echo,
      log: this.options.log,
    });
    await this.waitFor('the knowledge base server', async () => (await fetch(`${this.kbUrl}/knowledgebase`).catch(() => undefined))?.ok === true, [this.kb]);
  }

  /** One Train → Eval → Deploy cycle of the job. */
  async runRound(): Promise<RoundOutcome> {
    const round = ++this.round;
    const data = await this.ledger.nextRound();
    const trainFile = path.join(this.outputDir, 'data', 'train', String(round), 'data.csv');
    const evalFile = path.join(this.outputDir, 'data', 'eval', String(round), 'data.csv');
    for (const [file, rows] of [
      [trainFile, data.train],
      [evalFile, data.eval],
    ] as const) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, [data.header, ...rows].join('\n') + '\n');
    }
    this.options.log(`round ${round}: ${data.train.length} new train rows, ${data.eval.length} eval rows`);
    const datasetUrl = this.options.manifest.dataset.spec.url;
    const trainName = `train-worker-${round}`;
    await this.runWorker(trainName, this.spec.trainSpec.template, {
      TRAIN_DATASET_URL: trainFile,
      ORIGINAL_DATASET_URL: datasetUrl,
      OUTPUT_URL: path.join(this.outputDir, 'train', String(round)),
      KB_SERVER: this.kbUrl,
      HAS_COMPLETED_INITIAL_TRAINING: String(round > 1),
      ...(round > 1 ? { CLOUD_KB_INDEX: this.deployIndex } : {}),
    });
    const train = this.reportOf(trainName, 'train');
    const evalName = `eval-worker-${round}`;
    await this.runWorker(evalName, this.spec.evalSpec.template, {
      TEST_DATASET_URL: evalFile,
      ORIGINAL_DATASET_URL: datasetUrl,
      MODEL_URLS: train.results?.[0]?.url ?? '',
      OUTPUT_URL: path.join(this.outputDir, 'eval', String(round)),
      KB_SERVER: this.kbUrl,
    });
    const evaluation = this.reportOf(evalName, 'eval');
    const evaluated = evaluation.results?.[0]?.url;
    if (!evaluated) throw new Error(`${evalName} reported no index`);
    await mkdir(path.dirname(this.deployIndex), { recursive: true });
    await copyFile(evaluated, this.deployIndex);
    const deployedVersion = (JSON.parse(await readFile(this.deployIndex, 'utf8')) as { create_time: string }).create_time;
    this.options.log(`round ${round}: deployed index ${deployedVersion} to ${this.deployIndex}`);
    if (this.inference === undefined) this.startInference();
    return { round, trainRows: data.train.length, evalRows: data.eval.length, train, eval: evaluation, deployedVersion };
  }

  /** Waits for the inference worker's summary of a pass under `version`. */
  async waitForSummary(file: string): Promise<void> {
    await this.waitFor(`the edge worker's ${path.basename(file)}`, async () => existsSync(file), this.inference ? [this.inference] : []);
  }

  async stop(): Promise<void> {
    await this.inference?.stop();
    await this.kb?.stop();
    await this.sink.stop();
  }

  private startInference(): void {
    const { container, env } = containerOf(this.spec.deploySpec.template, 'deploy');
    this.inference = WorkerProcess.start('infer', [...(container.command ?? []), ...(container.args ?? [])], {
      ...(container.workingDir ? { cwd: container.workingDir } : {}),
      env: { ...(process.env as Record<string, string>), ...env, ...this.common, WORKER_NAME: 'inferworker-local', LC_SERVER: this.lcUrl, MODEL_URLS: this.deployIndex, OUTPUT_URL: this.outputDir },
      append: true,
      logFile: path.join(this.options.logDir, 'infer.log'),
      echo: this.options.echo,
      log: this.options.log,
    });
  }

  private async runWorker(name: string, template: Template, injected: Record<string, string>): Promise<void> {
    const { container, env } = containerOf(template, name);
    const worker = WorkerProcess.start(name, [...(container.command ?? []), ...(container.args ?? [])], {
      ...(container.workingDir ? { cwd: container.workingDir } : {}),
      env: { ...(process.env as Record<string, string>), ...env, ...this.common, WORKER_NAME: name, LC_SERVER: this.lcUrl, ...injected },
      append: true,
      logFile: path.join(this.options.logDir, `${name}.log`),
      echo: this.options.echo,
      log: this.options.log,
    });
    const timer = setTimeout(() => void worker.stop(), this.options.timeoutMs);
    const code = await worker.exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`${name} failed (exit ${code}); see ${worker.logFile}`);
  }

  private reportOf(name: string, kind: string): WorkerReport {
    const report = this.sink.last(name, kind);
    if (report === undefined) throw new Error(`${name} ended without reporting ${kind} to the LC`);
    if (report.status !== 'completed') throw new Error(`${name} reported ${kind} ${report.status}`);
    return report;
  }

  private async waitFor(what: string, ready: () => Promise<boolean>, watched: WorkerProcess[]): Promise<void> {
    const deadline = Date.now() + this.options.timeoutMs;
    for (;;) {
      if (await ready()) return;
      const ended = watched.find((w) => w.ended);
      if (ended) throw new Error(`${ended.name} ended (exit ${ended.code}) while waiting for ${what}; see ${ended.logFile}`);
      if (Date.now() > deadline) throw new Error(`no ${what} after ${this.options.timeoutMs / 1000} s; see the logs in ${this.options.logDir}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
