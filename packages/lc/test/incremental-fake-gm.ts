/**
 * The GM's part of an IncrementalLearningJob's (or LifelongLearningJob's) stage machine (reference §3.7), played
 * in-process for the managers' tests: it appends conditions as the GM would, sends the job back down after each one (upsertJob),
 * "runs" the stage workers through functions the test gives, and routes their reports through the manager as the
 * LC's report endpoint would.
 */
import type { StageCondition } from '@sedna/api';
import type { IncrementalUpstreamContent, UpstreamInput } from '../src/managers/incrementallearning/index.js';
import type { StageJobManager, StageJob } from '../src/managers/stagejob/index.js';

type Stage = StageCondition['stage'];
type Type = StageCondition['type'];

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

const NEXT: Record<Stage, Stage> = { Train: 'Eval', Eval: 'Deploy', Deploy: 'Train' };

export class FakeGm {
  readonly received: IncrementalUpstreamContent[] = [];
  /** Messages the real GM would refuse (wrong stage...), with the reason. */
  readonly refused: { content: IncrementalUpstreamContent; reason: string }[] = [];
  manager: Pick<StageJobManager<StageJob>, 'upsertJob' | 'handleWorkerReport'> | undefined;
  private tick = 0;
  private pending: Promise<unknown>[] = [];
  private held: IncrementalUpstreamContent[] | undefined;

  constructor(
    readonly job: { metadata: { name: string; namespace: string; uid?: string; annotations?: Record<string, string> }; spec: Record<string, unknown>; status: { conditions: StageCondition[] } },
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

  get conditions(): StageCondition[] {
    return this.job.status.conditions;
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
    this.append('Train', 'Waiting');
  }

  /** Sends the job down again unchanged (a resync). */
  resend(): void {
    this.manager?.upsertJob(structuredClone(this.job));
  }

  async settle(): Promise<void> {
    while (this.pending.length > 0) await Promise.allSettled(this.pending.splice(0));
  }

  private append(stage: Stage, type: Type, data?: string): void {
    this.tick += 1;
    const time = new Date(Date.UTC(2026, 0, 1, 0, 0, this.tick)).toISOString().replace('.000Z', 'Z');
    this.conditions.push({ type, status: 'True', stage, lastTransitionTime: time, lastHeartbeatTime: time, ...(data !== undefined ? { data } : {}) });
    this.resend();
  }

  private annotate(key: string, value: string): void {
    this.job.metadata.annotations = { ...this.job.metadata.annotations, [key]: value };
  }

  private onMessage(content: IncrementalUpstreamContent): void {
    const stage = ({ train: 'Train', eval: 'Eval', deploy: 'Deploy' } as Record<string, Stage>)[content.phase];
    const type = ({ ready: 'Ready', completed: 'Completed', failed: 'Failed', waiting: 'Waiting' } as Record<string, Type>)[content.status];
    const current = this.conditions.at(-1);
    const refuse = (reason: string) => this.refused.push({ content, reason });
    if (!stage || !type) return void refuse('unknown phase or status');
    if (!current || current.stage !== stage) return void refuse(`job is in ${current?.stage}`);
    if (type === 'Ready' && current.type !== 'Waiting') return void refuse(`${stage} is ${current.type}, not Waiting`);
    const data = JSON.stringify({ ...(content.input ? { input: content.input } : {}), ...(content.output ? { output: content.output } : {}) });
    this.append(stage, type, data);
    this.drive();
  }

  /** What the GM does on its own after the latest condition. */
  private drive(): void {
    const current = this.conditions.at(-1) as StageCondition;
    const input = current.data ? (JSON.parse(current.data) as { input?: UpstreamInput }).input : undefined;
    if (current.type === 'Completed') return this.append(NEXT[current.stage], 'Waiting');
    if (current.type === 'Failed') return this.append('Train', 'Waiting');
    if (current.type !== 'Ready') return;
    if (current.stage === 'Deploy') {
      // (a lifelong learning job has no deploy model: the GM restarts its inference worker)
      const hot = (this.job.spec.deploySpec as { model?: { hotUpdateEnabled?: boolean } }).model?.hotUpdateEnabled === true;
      if (!hot) {
        this.append('Deploy', 'Completed', current.data);
        return this.drive();
      }
      this.append('Deploy', 'Starting', current.data);
      this.annotate('sedna.io/Deploy', this.nodeName);
      this.append('Deploy', 'Running', current.data);
      const worker = this.workers.hotUpdate;
      if (worker) this.run(() => worker());
      return;
    }
    this.append(current.stage, 'Starting', current.data);
    this.annotate(`sedna.io/${current.stage}`, this.nodeName);
    this.append(current.stage, 'Running', current.data);
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
