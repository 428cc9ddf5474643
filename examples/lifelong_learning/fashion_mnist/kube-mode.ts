/**
 * `run.ts --kubeconfig <file>`: the LifelongLearningJob on a running control plane (`sedna up`, or a cluster whose
 * nodes see this machine's folders). The runner only applies the manifest with kubectl and watches: the LC on the
 * dataset's node fires the train trigger and writes the round files, the GM runs the train and eval workers on the
 * cloud node with KB_SERVER (the control plane's knowledge base server), the LC copies the evaluated index to
 * <outputDir>/deploy/index.json, and the GM (re)starts the inference worker on the edge with it. A round is over at
 * its Deploy/Completed condition; the next one starts when the labelled samples reach the trigger's threshold.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultKubectl, kubectlRunner, type Kubectl } from '../../common/kubectl.js';
import type { ExampleJob, RoundOutcome, WorkerReport } from './local-mode.js';
import { manifestText, type Manifest } from './manifest.js';

const KIND = 'lifelonglearningjob';

export interface KubeJobOptions {
  manifest: Manifest;
  kubeconfig: string;
  /** kubectl to run (default $KUBECTL, else the v1.35 binary bundled with the repository). */
  kubectl?: string;
  /** Leave the Dataset and the job in place at the end (default: delete them). */
  keep?: boolean;
  timeoutMs: number;
  log: (line: string) => void;
}

interface Condition {
  type: string;
  stage: string;
  reason?: string;
  message?: string;
  data?: string;
}

interface ConditionData {
  input?: { models?: WorkerReport['results']; dataURL?: string };
  output?: { models?: WorkerReport['results']; ownerInfo?: Record<string, unknown> };
}

function dataOf(condition: Condition | undefined): ConditionData {
  if (!condition?.data) return {};
  try {
    return JSON.parse(condition.data) as ConditionData;
  } catch {
    return {};
  }
}

async function dataRows(file: string | undefined): Promise<number> {
  if (file === undefined || !existsSync(file)) return 0;
  // the round files are csv with their header line first
  return Math.max(0, (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '').length - 1);
}

export class KubeJob implements ExampleJob {
  private readonly kubectl: Kubectl;
  private readonly name: string;
  private readonly namespace: string;
  private round = 0;
  private conditionsShown = 0;
  kbUrl = '';
  /** The job's status as last read (conditions, knowledgeBase). */
  lastStatus: Record<string, unknown> = {};

  constructor(private readonly options: KubeJobOptions) {
    this.kubectl = kubectlRunner(options.kubectl ?? defaultKubectl(), options.kubeconfig);
    this.name = options.manifest.job.metadata.name;
    this.namespace = options.manifest.job.metadata.namespace ?? 'default';
  }

  get deployIndex(): string {
    return join(this.options.manifest.job.spec.outputDir, 'deploy', 'index.json');
  }

  async start(): Promise<void> {
    const applied = await this.kubectl(['apply', '-f', '-'], manifestText(this.options.manifest));
    if (applied.code !== 0) throw new Error(`kubectl apply failed: ${applied.stderr.trim() || applied.stdout.trim()}`);
    for (const line of applied.stdout.trim().split('\n')) this.options.log(`kubectl: ${line}`);
  }

  /** Waits for the next round's Deploy/Completed and reads what the round did from the job's conditions. */
  async runRound(): Promise<RoundOutcome> {
    const round = ++this.round;
    const conditions = await this.waitForConditions(`round ${round} to be deployed`, (list) => list.filter((c) => c.stage === 'Deploy' && c.type === 'Completed').length >= round);
    // This round's conditions: from its Train/Ready (the round-th one) on.
    const readyAt = conditions.map((c, i) => (c.stage === 'Train' && c.type === 'Ready' ? i : -1)).filter((i) => i >= 0)[round - 1] ?? 0;
    const ofRound = conditions.slice(readyAt);
    const find = (stage: string, type: string) => ofRound.find((c) => c.stage === stage && c.type === type);
    const deployed = dataOf(find('Deploy', 'Completed'));
    if (deployed.output?.ownerInfo?.['deployed'] === false) throw new Error(`round ${round} deployed nothing: ${String(deployed.output.ownerInfo['reason'])}`);
    if (!this.kbUrl) this.kbUrl = await this.workerEnv('KB_SERVER');
    const deployedVersion = (JSON.parse(await readFile(this.deployIndex, 'utf8')) as { create_time: string }).create_time;
    this.options.log(`round ${round}: deployed index ${deployedVersion} to ${this.deployIndex}`);
    const report = (stage: string, kind: string): WorkerReport => ({ name: `${this.name}-${kind}`, kind, status: 'completed', results: dataOf(find(stage, 'Completed')).output?.models ?? [] });
    return {
      round,
      trainRows: await dataRows(dataOf(find('Train', 'Ready')).input?.dataURL),
      evalRows: await dataRows(dataOf(find('Eval', 'Ready')).input?.dataURL),
      train: report('Train', 'train'),
      eval: report('Eval', 'eval'),
      deployedVersion,
    };
  }

  async waitForSummary(file: string): Promise<void> {
    const deadline = Date.now() + this.options.timeoutMs;
    while (!existsSync(file)) {
      if (Date.now() > deadline) throw new Error(`no ${file} from the inference worker after ${this.options.timeoutMs / 1000} s; pods:\n${await this.pods()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async stop(): Promise<void> {
    const job = await this.getJob();
    if (job) this.lastStatus = (job['status'] ?? {}) as Record<string, unknown>;
    if (this.options.keep) return;
    const deleted = await this.kubectl(['delete', '--ignore-not-found', '-f', '-'], manifestText(this.options.manifest));
    if (deleted.code !== 0) this.options.log(`kubectl delete failed: ${deleted.stderr.trim()}`);
    else for (const line of deleted.stdout.trim().split('\n').filter(Boolean)) this.options.log(`kubectl: ${line}`);
  }

  private async getJob(): Promise<Record<string, unknown> | undefined> {
    const got = await this.kubectl(['get', KIND, this.name, '-n', this.namespace, '-o', 'json']);
    return got.code === 0 ? (JSON.parse(got.stdout) as Record<string, unknown>) : undefined;
  }

  private async pods(): Promise<string> {
    const got = await this.kubectl(['get', 'pods', '-n', this.namespace, '-o', 'wide']);
    return got.stdout || got.stderr;
  }

  /** The value the GM gave the job's workers for `name` (KB_SERVER: the knowledge base they use). */
  private async workerEnv(name: string): Promise<string> {
    const got = await this.kubectl(['get', 'pods', '-n', this.namespace, '-l', `${KIND}.sedna.io/name=${this.name}`, '-o', 'json']);
    const pods = got.code === 0 ? ((JSON.parse(got.stdout) as { items: { spec: { containers: { env?: { name: string; value?: string }[] }[] } }[] }).items ?? []) : [];
    for (const pod of pods) {
      const value = pod.spec.containers[0]?.env?.find((e) => e.name === name)?.value;
      if (value) return value;
    }
    throw new Error(`no worker of ${this.name} has ${name} in its environment`);
  }

  /** Polls the job, logging new conditions, until `done`; a Failed condition ends the wait with its reason. */
  private async waitForConditions(what: string, done: (conditions: Condition[]) => boolean): Promise<Condition[]> {
    const deadline = Date.now() + this.options.timeoutMs;
    for (;;) {
      const job = await this.getJob();
      this.lastStatus = (job?.['status'] ?? {}) as Record<string, unknown>;
      const conditions = ((this.lastStatus['conditions'] ?? []) as Condition[]).slice();
      for (const c of conditions.slice(this.conditionsShown)) {
        this.options.log(`${this.name}: ${c.stage}/${c.type}${c.message ? `: ${c.message}` : ''}`);
        if (c.type === 'Failed') throw new Error(`${this.name}: the ${c.stage} stage failed: ${c.message ?? c.reason ?? ''}; pods:\n${await this.pods()}`);
      }
      this.conditionsShown = conditions.length;
      if (done(conditions)) return conditions;
      if (Date.now() > deadline) throw new Error(`timed out after ${this.options.timeoutMs / 1000} s waiting for ${what} (last condition ${conditions.at(-1)?.stage}/${conditions.at(-1)?.type}); pods:\n${await this.pods()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
