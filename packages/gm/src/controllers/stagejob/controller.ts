/**
 * The controller of the stage-machine jobs (IncrementalLearningJob, LifelongLearningJob): the Train, Eval, Deploy
 * machine (stage-machine.ts) over the job's append-only conditions. The local controller of the dataset's node
 * decides when a stage is Ready (its triggers) and reports; the GM runs the stage workers and the inference worker.
 * What differs between the kinds (their workers' environment, when the inference worker starts, cold or hot
 * deploy, extra status) is a StageJobKind.
 */
import type { WorkerEnv } from '@sedna/api/contracts';
import type { DatasetSpec, JobStage, KubeObject, PodTemplateSpec, StageCondition, UpstreamMessage } from '@sedna/api';
import {
  appendStageCondition,
  automaticTransition,
  latestStageCondition as latest,
  parseStageData,
  reportedCondition,
  stageCondition as condition,
  stageDataJson,
  stageMark,
  stageRound,
  workerTransition,
  type StageData,
  type StageJobStatus,
  type StageUpstreamContent,
  type WorkerState,
} from '@sedna/api/contracts';
import type { KindReader, ObjectCache } from '../../runtime/cache.js';
import type { MergePatchOf, ObjectOf } from '../../runtime/kinds.js';
import { NodeSync } from '../../channel/node-sync.js';
import { type ChannelRouter, objectMessage } from '../../channel/router.js';
import { getObject, isConflict, isNotFound, type ObjectClient } from '../../runtime/client.js';
import { type ControllerDeclaration, keyOf, type ObjectKey, type ReconcileResult, type Reconciler, splitKey, watch } from '../../runtime/controller.js';
import { recordEvent } from '../../runtime/events.js';
import { recordStageTransition } from './stage-events.js';
import type { Addressing, AddressingFor } from '../../workers/addressing.js';
import { buildWorkerPod, isActive, isWorkerOf, podPhase, stableWorker } from '../../workers/worker-pod.js';
import { podProblem } from '../../workers/pod-problem.js';
import { References, referenceWatches } from '../../workers/references.js';
import { STAGE_INDEX_ANNOTATION, STAGE_ROUND_ANNOTATION } from '@sedna/api';
/** How long a worker that exited 0 gets for its report to arrive before the GM ends the stage without it. */
const REPORT_GRACE_MS = 10_000;

/** The `data` of a stage condition: the stage protocol's (@sedna/api/contracts). */
export { parseStageData, type StageData };

/** The kinds that run on the stage machine. */
export type StageJobKindName = 'IncrementalLearningJob' | 'LifelongLearningJob';

/** A status write of a stage job (a merge patch of one of the kinds' status). */
export type StageStatusPatch = NonNullable<MergePatchOf<StageJobKindName>['status']>;

export interface StageJobContext<K extends StageJobKindName = StageJobKindName> {
  job: ObjectOf<K>;
  dataset: DatasetSpec | undefined;
  conditions: readonly StageCondition[];
  /** The current round (status.round): a round's Train and Eval workers share it. */
  round: number;
  models: KindReader<'Model'>;
  /** LC_SERVER for a worker on `node`. */
  lcServer(node: string | undefined): string;
  /** KB_SERVER: the knowledge base of lifelong learning (GM configuration `knowledgeBaseServer.server`). */
  kbServer: string;
}

/** What one kind of stage-machine job does differently. */
export interface StageJobKind<K extends StageJobKindName = StageJobKindName> {
  kind: K;
  datasetName(job: ObjectOf<K>): string;
  modelNames(job: ObjectOf<K>): string[];
  template(job: ObjectOf<K>, stage: JobStage): PodTemplateSpec;
  /** The inference worker's environment; undefined while it cannot be made (a model missing). */
  inferenceEnv(ctx: StageJobContext<K>): WorkerEnv | undefined;
  /** IL runs its inference worker from the start; LL only once a first Deploy is ready. */
  inferenceFromStart: boolean;
  /** Hot update instead of restarting the inference worker on deploy. */
  hotUpdate(job: ObjectOf<K>): boolean;
  /** The environment of a Train or Eval worker, from the Ready condition's input. */
  stageEnv(ctx: StageJobContext<K>, stage: 'Train' | 'Eval', data: StageData): WorkerEnv;
  /** Annotations the job should carry (e.g. the hot-update config path). */
  annotations?(job: ObjectOf<K>): Record<string, string>;
  /** Extra status to write from a report (lifelong learning's knowledge base). */
  statusFromReport?(job: ObjectOf<K>, content: Record<string, unknown>): StageStatusPatch | undefined;
}

export interface StageJobDeps {
  cache: ObjectCache;
  client: ObjectClient;
  addressing: AddressingFor;
  router: ChannelRouter;
  /** KB_SERVER (GM configuration `knowledgeBaseServer.server`). */
  kbServer: string;
}

/** What a stage-job controller of `kind` reconciles and reads. */
export function stageJobDeclaration<K extends StageJobKindName>(spec: StageJobKind<K>): ControllerDeclaration {
  return {
    name: spec.kind.toLowerCase(),
    for: spec.kind,
    owns: ['Pod'],
    // Its dataset, models and named nodes (the dataset's node gets the job; a job waits for a missing one).
    watches: [...referenceWatches(spec.kind), watch('Dataset', (ds, cache) => cache.list(spec.kind, ds.metadata.namespace).filter((j) => spec.datasetName(j) === ds.metadata.name).map(keyOf))],
  };
}

const WORKER_TYPE: Record<JobStage, 'train' | 'eval' | 'inference'> = { Train: 'train', Eval: 'eval', Deploy: 'inference' };

export class StageJobController<K extends StageJobKindName> implements Reconciler {
  readonly name: string;
  /** The kind, as what the client writes: a status patch of either stage-job kind. */
  private readonly kind: StageJobKindName;
  private readonly sync: NodeSync;
  private readonly jobs: KindReader<K>;
  private readonly models: KindReader<'Model'>;
  private readonly datasets: KindReader<'Dataset'>;
  private readonly pods: KindReader<'Pod'>;
  private readonly client: ObjectClient;
  private readonly addressing: Addressing;
  private readonly kbServer: string;
  private readonly references: References;

  constructor(
    private readonly spec: StageJobKind<K>,
    { cache, client, addressing, router, kbServer }: StageJobDeps,
  ) {
    this.name = spec.kind.toLowerCase();
    this.kind = spec.kind;
    this.jobs = cache.of(spec.kind);
    this.models = cache.of('Model');
    this.datasets = cache.of('Dataset');
    this.pods = cache.of('Pod');
    this.client = client;
    this.addressing = addressing(cache);
    this.kbServer = kbServer;
    this.references = new References(cache);
    this.sync = new NodeSync(router);
    router.handleUpstream(this.name, (node, message) => this.upstream(node, message));
    router.addResyncContributor((node) =>
      this.jobs.list().flatMap((job) => {
        if (!this.residentNodes(job, this.dataset(job)).some(([, n]) => n === node)) return [];
        return [...this.modelsOf(job).map((m) => objectMessage('insert', m)), objectMessage('insert', job)];
      }),
    );
  }

  /** The nodes that hold the job: the dataset's, and the inference worker's when it is another. */
  private residentNodes(job: ObjectOf<K>, dataset: DatasetSpec | undefined): [string, string][] {
    if (!dataset) return [];
    const deployNode = this.spec.template(job, 'Deploy').spec.nodeName || dataset.nodeName;
    return deployNode === dataset.nodeName ? [['dataset', dataset.nodeName]] : [['dataset', dataset.nodeName], ['deploy', deployNode]];
  }

  private dataset(job: ObjectOf<K>): DatasetSpec | undefined {
    return this.datasets.get(this.spec.datasetName(job), job.metadata.namespace)?.spec;
  }

  private modelsOf(job: ObjectOf<K>): ObjectOf<'Model'>[] {
    return [...new Set(this.spec.modelNames(job))].map((n) => this.models.get(n, job.metadata.namespace)).filter((m): m is ObjectOf<'Model'> => m !== undefined);
  }

  async reconcile(key: ObjectKey): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const job = this.jobs.get(name, namespace);
    if (!job || job.metadata.deletionTimestamp) {
      for (const role of ['dataset', 'deploy']) this.sync.sync(`job:${key}@${role}`, undefined, undefined, '');
      return;
    }
    const dataset = this.dataset(job);
    const status: StageJobStatus & { startTime?: string } = job.status ?? {};
    const conditions = status.conditions ?? [];
    const current = latest(conditions);
    const round = stageRound(status);
    const ctx: StageJobContext<K> = { job, dataset, conditions, round, models: this.models, lcServer: (node) => this.addressing.lcServer(node), kbServer: this.kbServer };

    // Downstream: the job and its models to the dataset's node, whose local controller runs the triggers, and to the
    // node of the inference worker, whose local controller does hot updates.
    for (const [role, node] of this.residentNodes(job, dataset)) {
      for (const model of this.modelsOf(job)) this.sync.sync(`model:${namespace}/${model.metadata.name}@${role}`, model, node, `${model.metadata.generation}`);
      // The history is bounded (its length stops growing): the latest condition says what changed.
      this.sync.sync(`job:${key}@${role}`, job, node, `${job.metadata.generation}|${JSON.stringify(job.metadata.annotations ?? {})}|${stageMark(status)}@${current?.lastTransitionTime ?? ''}|${current?.reason ?? ''}`);
    }
    const wanted = this.spec.annotations?.(job) ?? {};
    if (Object.entries(wanted).some(([k, v]) => job.metadata.annotations?.[k] !== v)) {
      await this.client.mergePatch(this.kind, namespace, name, { metadata: { annotations: wanted } });
      return;
    }
    // Missing references keep the job waiting, with a condition naming them (once per change of what is missing).
    const missing = this.references.check(job);
    if (missing && (!current || current.type === 'Waiting')) {
      if (current?.reason === missing.reason && current.message === missing.message) return;
      return this.append(job, status, condition(current?.stage ?? 'Train', 'Waiting', missing.reason, missing.message, current?.data), status.startTime === undefined);
    }
    const inferenceStarted = this.spec.inferenceFromStart || conditions.some((c) => c.stage === 'Deploy' && c.type === 'Completed');
    if (inferenceStarted) await this.ensureInferenceWorker(ctx);
    // An inference worker that cannot start says why on a waiting job (its node's reason), once per reason.
    const inference = inferenceStarted ? this.workers(job, 'inference').find(isActive) : undefined;
    const inferenceProblem = inference && podPhase(inference) === 'Pending' ? podProblem(inference) : undefined;
    if (inferenceProblem && current?.type === 'Waiting' && current.reason !== inferenceProblem.reason) {
      const message = `the inference worker ${inference!.metadata.name}: ${inferenceProblem.message}`;
      await recordEvent(this.client, job, 'Warning', inferenceProblem.reason, message);
      return this.append(job, status, condition(current.stage, 'Waiting', inferenceProblem.reason, message, current.data));
    }

    const automatic = automaticTransition(current);
    if (automatic) return this.append(job, status, automatic, status.startTime === undefined);
    if (!current) return;

    if (current.type === 'Ready') {
      if (current.stage === 'Deploy') {
        if (this.spec.hotUpdate(job)) return this.append(job, status, condition('Deploy', 'Starting', 'HotUpdate', 'the inference worker will load the new model', current.data));
        for (const pod of this.workers(job, 'inference')) await this.deletePod(namespace, pod.metadata.name!);
        await recordEvent(this.client, job, 'Normal', 'ColdUpdate', 'restarting the inference worker with the new model');
        return this.append(job, status, condition('Deploy', 'Completed', 'InferenceRestarted', 'the inference worker was (re)started with the new model', current.data));
      }
      await this.createStageWorker(ctx, current);
      return this.append(job, status, condition(current.stage, 'Starting', 'WorkerCreated', `the ${current.stage.toLowerCase()} worker is starting`, current.data));
    }

    if (current.type === 'Starting' || current.type === 'Running') {
      const worker = current.stage === 'Deploy' ? this.workers(job, 'inference').find(isActive) : this.stageWorker(job, status, current.stage);
      const state: WorkerState = worker ? (podPhase(worker) as WorkerState) : 'none';
      // A stage worker that cannot start says why on the job (its node's reason), once per reason.
      const problem = worker && state === 'Pending' ? podProblem(worker) : undefined;
      if (problem && current.reason !== problem.reason) {
        await recordEvent(this.client, job, 'Warning', problem.reason, `the ${current.stage.toLowerCase()} worker ${worker!.metadata.name}: ${problem.message}`);
        return this.append(job, status, condition(current.stage, current.type, problem.reason, `the ${current.stage.toLowerCase()} worker ${worker!.metadata.name}: ${problem.message}`, current.data));
      }
      if (state === 'Running' && worker) await this.annotateStageNode(job, current.stage, worker.spec.nodeName ?? '');
      const next = workerTransition(current, state, worker ? terminationReason(worker) : undefined);
      if (next) return this.append(job, status, next);
      if (state === 'Succeeded' && worker) {
        // The worker's own report (with its models) ends the stage; if it never comes, end it without.
        const finished = Date.parse(terminatedAt(worker) ?? '') || Date.now();
        const wait = finished + REPORT_GRACE_MS - Date.now();
        if (wait > 0) return { requeueAfterMs: wait };
        return this.append(job, status, condition(current.stage, 'Completed', 'WorkerSucceeded', 'the worker exited 0 without reporting its results', current.data));
      }
      if (state === 'none' && current.stage !== 'Deploy') {
        return this.append(job, status, condition(current.stage, 'Failed', 'WorkerMissing', `the ${current.stage.toLowerCase()} worker is gone`, current.data));
      }
    }
  }

  private workers(job: KubeObject, workerType: string): ObjectOf<'Pod'>[] {
    return this.pods
      .list(job.metadata.namespace)
      .filter((p) => isWorkerOf(p, job, workerType) && !p.metadata.deletionTimestamp)
      .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
  }

  private async ensureInferenceWorker(ctx: StageJobContext<K>): Promise<void> {
    const { job, dataset } = ctx;
    const namespace = job.metadata.namespace!;
    const pods = this.workers(job, 'inference');
    if (pods.some(isActive)) return;
    for (const ended of pods) await this.deletePod(namespace, ended.metadata.name!);
    const base = this.spec.template(job, 'Deploy');
    const node = base.spec.nodeName || dataset?.nodeName;
    const env = this.spec.inferenceEnv(ctx);
    if (!env || !node) return;
    const template = { ...base, spec: { ...base.spec, nodeName: node } };
    // Named after the job and what it runs: a GM restarted before its cache saw this worker cannot make a second one.
    const stable = stableWorker(job, 'inference', { template, env, replaced: pods.map((p) => p.metadata.name).sort() });
    const fullEnv: WorkerEnv = { NAMESPACE: namespace, JOB_NAME: job.metadata.name!, WORKER_NAME: stable.workerName, LC_SERVER: this.addressing.lcServer(node), ...env };
    const pod = await this.client.create('Pod', namespace, buildWorkerPod({ owner: job, workerType: 'inference', template, env: fullEnv, restartPolicy: 'Always', hashOf: { template, env }, name: stable.podName }));
    await recordEvent(this.client, job, 'Normal', 'WorkerCreated', `created the inference worker ${pod.metadata.name}`);
  }

  /**
   * The Train or Eval worker of the current round. A job written before `status.round` existed named its workers by
   * the index of their Ready condition: such a worker is found by that index until the job's status has a round.
   */
  private stageWorker(job: ObjectOf<K>, status: StageJobStatus, stage: 'Train' | 'Eval'): ObjectOf<'Pod'> | undefined {
    const round = String(stageRound(status));
    const legacyIndex = status.round === undefined ? String((status.conditions ?? []).map((c) => c.stage === stage && c.type === 'Ready').lastIndexOf(true)) : undefined;
    return this.workers(job, WORKER_TYPE[stage]).find((p) => p.metadata.annotations?.[STAGE_ROUND_ANNOTATION] === round || (legacyIndex !== undefined && p.metadata.annotations?.[STAGE_INDEX_ANNOTATION] === legacyIndex));
  }

  private async createStageWorker(ctx: StageJobContext<K>, ready: StageCondition): Promise<void> {
    const { job, dataset, round } = ctx;
    const namespace = job.metadata.namespace!;
    const stage = ready.stage as 'Train' | 'Eval';
    if (this.workers(job, WORKER_TYPE[stage]).some((p) => p.metadata.annotations?.[STAGE_ROUND_ANNOTATION] === String(round))) return;
    const template = this.spec.template(job, stage);
    const node = template.spec.nodeName || dataset?.nodeName;
    // One worker per stage round, named by it (see ensureInferenceWorker).
    const stable = stableWorker(job, WORKER_TYPE[stage], { stage, round });
    const env: WorkerEnv = {
      NAMESPACE: namespace,
      JOB_NAME: job.metadata.name!,
      WORKER_NAME: stable.workerName,
      LC_SERVER: this.addressing.lcServer(node),
      ...(dataset ? { ORIGINAL_DATASET_URL: dataset.url } : {}),
      ...this.spec.stageEnv(ctx, stage, parseStageData(ready)),
    };
    const withNode = { ...template, metadata: { ...(template.metadata ?? {}), annotations: { ...(template.metadata?.annotations ?? {}), [STAGE_ROUND_ANNOTATION]: String(round) } }, spec: { ...template.spec, ...(node ? { nodeName: node } : {}) } };
    // Never restarted by its node: a failure ends the stage (Failed, with the reason) and the job goes back to Train.
    const pod = await this.client.create('Pod', namespace, buildWorkerPod({ owner: job, workerType: WORKER_TYPE[stage], template: withNode, env, restartPolicy: 'Never', hashOf: { withNode, env }, name: stable.podName }));
    await recordEvent(this.client, job, 'Normal', 'WorkerCreated', `created the ${stage.toLowerCase()} worker ${pod.metadata.name}`);
  }

  private async annotateStageNode(job: KubeObject, stage: JobStage, node: string): Promise<void> {
    const annotation = `sedna.io/${stage}`;
    if (!node || job.metadata.annotations?.[annotation] === node) return;
    await this.client.mergePatch(this.kind, job.metadata.namespace!, job.metadata.name!, { metadata: { annotations: { [annotation]: node } } });
  }

  private async deletePod(namespace: string, name: string): Promise<void> {
    await this.client.delete('Pod', namespace, name).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  /** Appends one condition (the history bounded, round, stage and phase set), guarded by the resourceVersion the decision was made on. */
  private async append(job: KubeObject, status: StageJobStatus, next: StageCondition, start = false): Promise<void> {
    const patch: StageStatusPatch = { ...appendStageCondition(status, next), ...(start ? { startTime: next.lastTransitionTime } : {}) };
    const written = await this.client.mergePatch(this.kind, job.metadata.namespace!, job.metadata.name!, { metadata: { resourceVersion: job.metadata.resourceVersion }, status: patch }, 'status').then(
      () => true,
      (err: unknown) => {
        // The job changed meanwhile: the change event reconciles again from the new state.
        if (!isConflict(err)) throw err;
        return false;
      },
    );
    if (written) await recordStageTransition(this.client, job, next);
  }

  private async upstream(node: string, message: UpstreamMessage): Promise<void> {
    const { namespace, resourceName } = message.header;
    const content = message.content as Partial<StageUpstreamContent>;
    for (let attempt = 0; ; attempt++) {
      const job = await getObject(this.client, this.spec.kind, namespace, resourceName).catch((err: unknown) => {
        if (isNotFound(err)) throw new Error(`${this.name} ${namespace}/${resourceName} is unknown`, { cause: err });
        throw err;
      });
      const extra = this.spec.statusFromReport?.(job, message.content) ?? {};
      const status: StageJobStatus = job.status ?? {};
      const next = reportedCondition(latest(status.conditions), String(content.phase ?? ''), String(content.status ?? ''), stageDataJson(content));
      if (typeof next === 'string') {
        console.warn(`[gm] ${this.name} ${namespace}/${resourceName}: a report from ${node} (${content.phase}/${content.status}) is ignored: ${next}`);
        if (Object.keys(extra).length === 0) return;
      }
      const patch: StageStatusPatch = { ...extra, ...(typeof next === 'string' ? {} : appendStageCondition(status, next)) };
      try {
        await this.client.mergePatch(this.kind, namespace, resourceName, { metadata: { resourceVersion: job.metadata.resourceVersion }, status: patch }, 'status');
        if (typeof next !== 'string') await recordStageTransition(this.client, job, next);
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err;
      }
    }
  }
}

function terminatedAt(pod: ObjectOf<'Pod'>): string | undefined {
  return pod.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt;
}

function terminationReason(pod: ObjectOf<'Pod'>): string {
  const t = pod.status?.containerStatuses?.[0]?.state?.terminated;
  return t ? `the worker ${pod.metadata.name} failed: exit code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}${t.message ? `: ${t.message}` : ''}` : `the worker ${pod.metadata.name} failed`;
}
