/**
 * The GM's part of an IncrementalLearningJob's (or LifelongLearningJob's) stage machine (reference §3.7), played
 * in-process for the managers' tests: it appends conditions as the GM would, sends the job back down after each one (upsertJob),
 * "runs" the stage workers through functions the test gives, and routes their reports through the manager as the
 * LC's report endpoint would.
 */
import type { StageCondition } from '@sedna/api';
import { appendStageCondition, automaticTransition, latestStageCondition, reportedCondition, stageCondition, stageDataJson, workerTransition, type StageJobStatus } from '@sedna/api/contracts';
import type { IncrementalUpstreamContent, UpstreamInput } from '../src/managers/incrementallearning/index.js';
import type { StageJobManager, StageJob } from '../src/managers/stagejob/index.js';


export interface WorkerReportLike {
  kind: string;
  status: string;
  results?: Record<string, unknown>[];
}

export interface FakeWorkers {
  /** The train worker: gets the Train/Ready input, returns its report (kind train). */
  train(input: UpstreamInput): Promise<WorkerReportLike>;
  /** The eval worker: gets the Eval/Ready input, returns its report (kind eval). */
  eval(input: UpstreamInput): Promise<WorkerReportLike>;
  /** The inference worker after a hot update was published (Deploy/Running seen by the LC); returns its report. */
  hotUpdate?(): Promise<WorkerReportLike | undefined>;
}


export class FakeGm {
  readonly received: IncrementalUpstreamContent[] = [];
  /** Messages the real GM would refuse (wrong stage...), with the reason. */
  readonly refused: { content: IncrementalUpstreamContent; reason: string }[] = [];
  manager: Pick<StageJobManager<StageJob>, 'upsertJob' | 'handleWorkerReport'> | undefined;
  private pending: Promise<unknown>[] = [];
  private held: IncrementalUpstreamContent[] | undefined;

  constructor(
    readonly job: { metadata: { name: string; namespace: string; uid?: string; annotations?: Record<string, string> }; spec: Record<string, unknown>; status: StageJobStatus },
    private readonly workers: FakeWorkers,
    private readonly nodeName = 'edge-1',
  ) {}

  /** The manager's send callback. */
  readonly send = (namespace: string, name: string, content: IncrementalUpstreamContent): void => {
    if (namespace !== this.job.metadata.namespace || name !== this.job.metadata.name) throw new Error(`message for ${namespace}/${name}, not this job`);
    this.received.push(content);
    if (this.held) {
      this.held.push(content);
      return;
    }
    // The real channel is asynchronous too.
    queueMicrotask(() => this.onMessage(content));
  };

  /** Stops processing messages (they queue up), as a GM that has not got to them yet. */
  hold(): void {
    this.held ??= [];
  }

  /** Processes the queued messages and the next ones. */
  release(): void {
    const queued = this.held ?? [];
    this.held = undefined;
    for (const content of queued) this.onMessage(content);
  }

  get conditions(): readonly StageCondition[] {
    return this.job.status.conditions ?? [];
  }

  get state(): string {
    const last = this.conditions.at(-1);
    return last ? `${last.stage}/${last.type}` : 'none';
  }

  /** `Stage/Type` of every condition so far. */
  history(): string[] {
    return this.conditions.map((c) => `${c.stage}/${c.type}`);
  }

  start(): void {
    this.append(automaticTransition(undefined)!);
  }

  /** Sends the job down again unchanged (a resync). */
  resend(): void {
    this.manager?.upsertJob(structuredClone(this.job));
  }

  async settle(): Promise<void> {
    while (this.pending.length > 0) await Promise.allSettled(this.pending.splice(0));
  }

  /** Appends as the GM does: the bounded history, the round, the stage and the phase. */
  private append(next: StageCondition): void {
    Object.assign(this.job.status, appendStageCondition(this.job.status, next));
    this.resend();
  }

  private annotate(key: string, value: string): void {
    this.job.metadata.annotations = { ...this.job.metadata.annotations, [key]: value };
  }

  /** An upstream message, taken or refused by the GM's own stage machine. */
  private onMessage(content: IncrementalUpstreamContent): void {
    const next = reportedCondition(latestStageCondition(this.conditions), content.phase, content.status, stageDataJson(content));
    if (typeof next === 'string') return void this.refused.push({ content, reason: next });
    this.append(next);
    this.drive();
  }

  /** The stage worker (or the hot-updated inference worker) starts and runs at once. */
  private startWorker(current: StageCondition, reason: string): StageCondition {
    const starting = stageCondition(current.stage, 'Starting', reason, `the ${current.stage.toLowerCase()} worker is starting`, current.data);
    this.append(starting);
    this.annotate(`sedna.io/${current.stage}`, this.nodeName);
    const running = workerTransition(starting, 'Running')!;
    this.append(running);
    return running;
  }

  /** What the GM does on its own after the latest condition. */
  private drive(): void {
    const current = latestStageCondition(this.conditions) as StageCondition;
    const input = current.data ? (JSON.parse(current.data) as { input?: UpstreamInput }).input : undefined;
    const automatic = automaticTransition(current);
    if (automatic) return this.append(automatic);
    if (current.type !== 'Ready') return;
    if (current.stage === 'Deploy') {
      // (a lifelong learning job has no deploy model: the GM restarts its inference worker)
      const hot = (this.job.spec.deploySpec as { model?: { hotUpdateEnabled?: boolean } }).model?.hotUpdateEnabled === true;
      if (!hot) {
        this.append(stageCondition('Deploy', 'Completed', 'InferenceRestarted', 'the inference worker was (re)started with the new model', current.data));
        return this.drive();
      }
      this.startWorker(current, 'HotUpdate');
      const worker = this.workers.hotUpdate;
      if (worker) this.run(() => worker());
      return;
    }
    this.startWorker(current, 'WorkerCreated');
    const worker = current.stage === 'Train' ? this.workers.train : this.workers.eval;
    this.run(() => worker(input ?? {}));
  }

  private run(worker: () => Promise<WorkerReportLike | undefined>): void {
    const { name, namespace } = this.job.metadata;
    this.pending.push(
      worker().then((report) => {
        if (report) this.manager?.handleWorkerReport({ namespace, ownerName: name, kind: report.kind, status: report.status, ...(report.results ? { results: report.results } : {}) });
      }),
    );
  }
}

/** An IncrementalLearningJob object as the GM sends it. */
export function ilJob(name: string, spec: { dataset: string; outputDir: string; trainProb?: number; trainThreshold?: number; hotUpdate?: boolean; deployMetric?: string; deployThreshold?: number; timer?: { start: string; end: string }; checkPeriodSeconds?: number; initialEvalModel?: string }) {
  const template = { spec: { containers: [{ name: 'worker', image: 'example' }] } };
  return {
    apiVersion: 'sedna.io/v1alpha1',
    kind: 'IncrementalLearningJob',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations: {} as Record<string, string> },
    spec: {
      dataset: { name: spec.dataset, trainProb: spec.trainProb ?? 0.8 },
      initialModel: { name: 'initial-model' },
      trainSpec: {
        template,
        trigger: {
          ...(spec.checkPeriodSeconds !== undefined ? { checkPeriodSeconds: spec.checkPeriodSeconds } : {}),
          ...(spec.timer ? { timer: spec.timer } : {}),
          condition: { operator: '>=', threshold: spec.trainThreshold ?? 4, metric: 'num_of_samples' },
        },
      },
      evalSpec: { template, ...(spec.initialEvalModel ? { initialEvalModel: { name: spec.initialEvalModel } } : {}) },
      deploySpec: {
        model: { name: 'deploy-model', hotUpdateEnabled: spec.hotUpdate ?? true, pollPeriodSeconds: 1 },
        trigger: { condition: { operator: '>', threshold: spec.deployThreshold ?? 0.1, metric: spec.deployMetric ?? 'accuracy_delta[0]' } },
        hardExampleMining: { name: 'CrossEntropy' },
        template,
      },
      outputDir: spec.outputDir,
    },
    status: { conditions: [] as StageCondition[] },
  };
}

export function modelObject(name: string, url: string, format: string) {
  return { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name, namespace: 'default' }, spec: { url, format } };
}
