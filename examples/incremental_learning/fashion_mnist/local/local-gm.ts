/**
 * A stand-in for the GM's IncrementalLearningJob controller in the example's local mode (no control plane): it
 * keeps the job's conditions and plays the stage machine of reference §3.7 around the real LC manager, starting
 * the stage workers as local processes with the environment the GM gives them (§3.10). With the control plane
 * (`sedna up`, then apply incremental_learning.yaml) the GM does all this instead.
 *
 *   (start)              -> inference worker created, Train/Waiting
 *   X/Waiting            -> the LC sends X ready when its trigger fires
 *   Train|Eval/Ready     -> worker process started: X/Starting, X/Running (annotation sedna.io/X = node)
 *   worker report        -> X/Completed (or Failed); a worker that exits 0 without reporting: X/Completed
 *   Deploy/Ready         -> hot update: Deploy/Starting, Deploy/Running (the LC publishes the model, the
 *                           inference worker reloads and reports deploy completed); otherwise the inference
 *                           worker restarts and Deploy/Completed
 *   X/Completed          -> next(X)/Waiting;  X/Failed -> Train/Waiting
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { StageCondition } from '@sedna/api';
import type { IncrementalLearningManager, IncrementalUpstreamContent, UpstreamInput } from '../../../../packages/lc/src/managers/incrementallearning/index.js';
import { randomSuffix, startWorker, type ContainerLike, type WorkerProcess } from './processes.js';

type Stage = StageCondition['stage'];
type Type = StageCondition['type'];

const NEXT: Record<Stage, Stage> = { Train: 'Eval', Eval: 'Deploy', Deploy: 'Train' };

export interface LocalJob {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; annotations: Record<string, string> };
  spec: {
    dataset: { name: string; trainProb: number };
    trainSpec: { template: { spec: { containers: ContainerLike[] } } };
    evalSpec: { template: { spec: { containers: ContainerLike[] } } };
    deploySpec: {
      model: { name: string; hotUpdateEnabled?: boolean; pollPeriodSeconds?: number };
      hardExampleMining: { name: string; parameters?: { key: string; value: string }[] };
      template: { spec: { containers: ContainerLike[] } };
    };
    [field: string]: unknown;
  };
  status: { conditions: StageCondition[] };
}

export interface LocalGmOptions {
  job: LocalJob;
  nodeName: string;
  /** Model urls by Model name (spec.url). */
  modelUrls: Record<string, string>;
  datasetUrl: string;
  lcServer: string;
  hotUpdateConfig: string;
  logDir: string;
  echo: boolean;
  log: (line: string) => void;
  /** Called after each condition, for the caller to follow the job. */
  onCondition?: (condition: StageCondition, job: LocalJob) => void;
  /** Rounds to play: after that many Deploy/Completed the job stays there (default: no limit, as the GM). */
  rounds?: number;
}

export class LocalGm {
  manager: IncrementalLearningManager | undefined;
  inference: WorkerProcess | undefined;
  private stage: WorkerProcess | undefined;
  private readonly workers: WorkerProcess[] = [];
  private stopped = false;
  private roundsDone = 0;

  constructor(private readonly options: LocalGmOptions) {}

  get job(): LocalJob {
    return this.options.job;
  }

  get latest(): StageCondition | undefined {
    return this.job.status.conditions.at(-1);
  }

  /** The GM's first sync: the inference worker, the hot-update annotation, then Train/Waiting. */
  start(): void {
    if (this.job.spec.deploySpec.model.hotUpdateEnabled) this.job.metadata.annotations['sedna.io/model-hot-update-config'] = this.options.hotUpdateConfig;
    this.startInference();
    this.append('Train', 'Waiting', 'JobStarted');
  }

  /** The LC manager's send callback: the GM's upstream handler for incrementallearningjob. */
  readonly receive = (namespace: string, name: string, content: IncrementalUpstreamContent): void => {
    if (namespace !== this.job.metadata.namespace || name !== this.job.metadata.name) return;
    queueMicrotask(() => this.onStatus(content));
  };

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }

  private onStatus(content: IncrementalUpstreamContent): void {
    if (this.stopped) return;
    const stage = ({ train: 'Train', eval: 'Eval', deploy: 'Deploy' } as Record<string, Stage>)[String(content.phase).toLowerCase()];
    const type = ({ ready: 'Ready', completed: 'Completed', failed: 'Failed', waiting: 'Waiting' } as Record<string, Type>)[String(content.status).toLowerCase()];
    const current = this.latest;
    if (!stage || !type || !current) return;
    // As the GM: a report for another stage, or a ready that does not answer a waiting, is ignored.
    if (current.stage !== stage || (type === 'Ready' && current.type !== 'Waiting')) {
      this.options.log(`(GM) ignored ${content.phase} ${content.status}: the job is ${current.stage}/${current.type}`);
      return;
    }
    if ((type === 'Completed' || type === 'Failed') && current.type === type) return;
    this.append(stage, type, 'ReportedByLC', JSON.stringify({ ...(content.input ? { input: content.input } : {}), ...(content.output ? { output: content.output } : {}) }));
    this.drive();
  }

  private drive(): void {
    const current = this.latest as StageCondition;
    if (current.type === 'Completed' && current.stage === 'Deploy') {
      this.roundsDone++;
      if (this.options.rounds !== undefined && this.roundsDone >= this.options.rounds) {
        this.options.log(`(GM) ${this.roundsDone} round(s) played; the stand-in stops here`);
        return;
      }
    }
    if (current.type === 'Completed') return this.append(NEXT[current.stage], 'Waiting', 'StageCompleted');
    if (current.type === 'Failed') return this.append('Train', 'Waiting', 'StageFailed');
    if (current.type !== 'Ready') return;
    const input = current.data ? (JSON.parse(current.data) as { input?: UpstreamInput }).input ?? {} : {};
    if (current.stage === 'Deploy') {
      if (this.job.spec.deploySpec.model.hotUpdateEnabled) {
        this.append('Deploy', 'Starting', 'HotUpdate', current.data);
        this.job.metadata.annotations['sedna.io/Deploy'] = this.options.nodeName;
        this.append('Deploy', 'Running', 'InferenceWorkerRunning', current.data);
        return;
      }
      void this.inference?.stop().then(() => {
        this.startInference();
        this.append('Deploy', 'Completed', 'InferenceWorkerRestarted', current.data);
        this.drive();
      });
      return;
    }
    this.append(current.stage, 'Starting', 'WorkerCreated', current.data);
    const worker = current.stage === 'Train' ? this.startTrain(input) : this.startEval(input);
    this.stage = worker;
    this.job.metadata.annotations[`sedna.io/${current.stage}`] = this.options.nodeName;
    this.append(current.stage, 'Running', 'WorkerRunning', current.data);
    const stage = current.stage;
    void worker.exited.then((code) => {
      if (this.stopped || this.stage !== worker) return;
      const now = this.latest as StageCondition;
      if (now.stage !== stage || (now.type !== 'Running' && now.type !== 'Starting')) return;
      // The pod ended before its report came (or without one): the GM's pod watch decides.
      if (code === 0) this.append(stage, 'Completed', 'WorkerSucceeded');
      else this.append(stage, 'Failed', 'WorkerFailed', undefined, `the ${stage.toLowerCase()} worker exited with ${code}; see ${worker.logFile}`);
      this.drive();
    });
  }

  private append(stage: Stage, type: Type, reason: string, data?: string, message = 'reported by the local stand-in of the GM'): void {
    const time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const condition: StageCondition = { type, status: 'True', stage, reason, message, lastHeartbeatTime: time, lastTransitionTime: time, ...(data !== undefined ? { data } : {}) };
    this.job.status.conditions.push(condition);
    this.options.log(`(GM) ${stage}/${type}${reason ? ` (${reason})` : ''}`);
    this.options.onCondition?.(condition, this.job);
    // Downstream: the job goes to the LC again after every change.
    this.manager?.upsertJob(structuredClone(this.job));
  }

  private baseEnv(workerName: string): Record<string, string> {
    return { NAMESPACE: this.job.metadata.namespace, JOB_NAME: this.job.metadata.name, WORKER_NAME: workerName, LC_SERVER: this.options.lcServer };
  }

  private launch(name: string, container: ContainerLike | undefined, env: Record<string, string>): WorkerProcess {
    if (!container) throw new Error(`the job's ${name} template has no container`);
    const worker = startWorker({ name, container, env, logDir: this.options.logDir, echo: this.options.echo });
    this.workers.push(worker);
    return worker;
  }

  private startTrain(input: UpstreamInput): WorkerProcess {
    const name = `train-worker-${randomSuffix()}`;
    return this.launch(name, this.job.spec.trainSpec.template.spec.containers[0], {
      ...this.baseEnv(name),
      BASE_MODEL_URL: input.models?.[0]?.url ?? '',
      MODEL_URL: input.outputDir ?? '',
      TRAIN_DATASET_URL: input.dataURL ?? '',
      ORIGINAL_DATASET_URL: input.dataIndexURL ?? this.options.datasetUrl,
    });
  }

  private startEval(input: UpstreamInput): WorkerProcess {
    const name = `eval-worker-${randomSuffix()}`;
    return this.launch(name, this.job.spec.evalSpec.template.spec.containers[0], {
      ...this.baseEnv(name),
      MODEL_URLS: (input.models ?? []).map((m) => m.url).join(';'),
      TEST_DATASET_URL: input.dataURL ?? '',
      ORIGINAL_DATASET_URL: input.dataIndexURL ?? this.options.datasetUrl,
    });
  }

  private startInference(): void {
    const deploy = this.job.spec.deploySpec;
    const name = `inferworker-${randomSuffix()}`;
    const modelUrl = this.options.modelUrls[deploy.model.name];
    if (!modelUrl) throw new Error(`model ${deploy.model.name} (spec.deploySpec.model) is not defined`);
    // The GM mounts the hot-update folder with DirectoryOrCreate: it exists before the worker starts, so the
    // worker can watch it (instead of finding out at its next poll).
    if (deploy.model.hotUpdateEnabled) mkdirSync(path.dirname(this.options.hotUpdateConfig), { recursive: true });
    this.inference = this.launch(name, deploy.template.spec.containers[0], {
      ...this.baseEnv(name),
      MODEL_URL: modelUrl,
      HEM_NAME: deploy.hardExampleMining.name,
      HEM_PARAMETERS: JSON.stringify(deploy.hardExampleMining.parameters ?? []),
      ...(deploy.model.hotUpdateEnabled
        ? { MODEL_HOT_UPDATE: 'true', MODEL_POLL_PERIOD_SECONDS: String(deploy.model.pollPeriodSeconds ?? 60), MODEL_HOT_UPDATE_CONFIG: this.options.hotUpdateConfig }
        : {}),
    });
  }
}
