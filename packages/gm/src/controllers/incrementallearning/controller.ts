/**
 * IncrementalLearningJob: the Train, Eval, Deploy stage machine (stage-machine.ts) over the job's append-only
 * conditions, with the local controller of the dataset's node deciding when a stage is Ready (its triggers) and
 * the GM running the stage workers. The inference worker runs from the start and is restarted on a cold deploy;
 * with `hotUpdateEnabled` it is not restarted: the LC writes the hot-update config and the worker swaps models.
 * Downstream: the job and its models go to the dataset's node.
 */
import { join } from 'node:path';
import type { DatasetSpec, IncrementalLearningJobSpec, JobStage, KubeObject, ModelSpec, StageCondition, UpstreamMessage } from '@sedna/api';
import { NodeSync } from '../../channel/node-sync.js';
import type { ChannelRouter } from '../../channel/router.js';
import { objectMessage } from '../../channel/router.js';
import { isConflict, isNotFound, type KubeClient } from '../../runtime/client.js';
import { type Controller, type ObjectKey, ownerKeys, self, splitKey } from '../../runtime/controller.js';
import { recordEvent } from '../../runtime/events.js';
import type { ResourceInformer } from '../../runtime/informer.js';
import type { Addressing } from '../../workers/addressing.js';
import { buildWorkerPod, isActive, isWorkerOf, podPhase, workerName } from '../../workers/worker-pod.js';
import { automaticTransition, condition, latest, reportedCondition, type WorkerState, workerTransition } from './stage-machine.js';

const KIND = 'IncrementalLearningJob';
const STAGE_INDEX_ANNOTATION = 'sedna.io/stage-index';
export const HOT_UPDATE_CONFIG_ANNOTATION = 'sedna.io/model-hot-update-config';
/** How long a worker that exited 0 gets for its report to arrive before the GM ends the stage without it. */
const REPORT_GRACE_MS = 10_000;

interface StageData {
  input?: { models?: { url?: string; format?: string }[]; dataURL?: string; dataIndexURL?: string; outputDir?: string };
  output?: { models?: unknown[]; ownerInfo?: unknown };
}

function parseData(c: StageCondition | undefined): StageData {
  if (!c?.data) return {};
  try {
    return JSON.parse(c.data) as StageData;
  } catch {
    return {};
  }
}

const WORKER_TYPE: Record<JobStage, 'train' | 'eval' | 'inference'> = { Train: 'train', Eval: 'eval', Deploy: 'inference' };

export class IncrementalLearningController implements Controller {
  readonly name = 'incrementallearning';
  private readonly sync: NodeSync;

  constructor(
    private readonly jobs: ResourceInformer,
    private readonly models: ResourceInformer,
    private readonly datasets: ResourceInformer,
    private readonly pods: ResourceInformer,
    private readonly client: KubeClient,
    private readonly addressing: Addressing,
    router: ChannelRouter,
  ) {
    this.sync = new NodeSync(router);
    router.handleUpstream('incrementallearningjob', (node, message) => this.upstream(node, message));
    router.addResyncContributor((node) =>
      this.jobs.list().flatMap((job) => {
        const spec = job['spec'] as IncrementalLearningJobSpec;
        const dataset = this.datasets.get(spec.dataset.name, job.metadata.namespace)?.['spec'] as DatasetSpec | undefined;
        if (dataset?.nodeName !== node) return [];
        return [...this.modelsOf(job).map((m) => objectMessage('insert', m)), objectMessage('insert', job)];
      }),
    );
  }

  watches() {
    return [
      { informer: this.jobs, map: self },
      { informer: this.pods, map: ownerKeys(KIND) },
      {
        informer: this.datasets,
        map: (ds: KubeObject) => this.jobs.list(ds.metadata.namespace).filter((j) => (j['spec'] as IncrementalLearningJobSpec).dataset.name === ds.metadata.name).map((j) => `${j.metadata.namespace}/${j.metadata.name}`),
      },
    ];
  }

  private modelsOf(job: KubeObject): KubeObject[] {
    const spec = job['spec'] as IncrementalLearningJobSpec;
    const names = new Set([spec.initialModel.name, spec.deploySpec.model.name, ...(spec.evalSpec.initialEvalModel ? [spec.evalSpec.initialEvalModel.name] : [])]);
    return [...names].map((n) => this.models.get(n, job.metadata.namespace)).filter((m): m is KubeObject => m !== undefined);
  }

  async reconcile(key: ObjectKey): Promise<{ requeueAfterMs?: number } | void> {
    const { namespace, name } = splitKey(key);
    const job = this.jobs.get(name, namespace);
    if (!job || job.metadata.deletionTimestamp) {
      this.sync.sync(`job:${key}`, undefined, undefined, '');
      return;
    }
    const spec = job['spec'] as IncrementalLearningJobSpec;
    const dataset = this.datasets.get(spec.dataset.name, namespace)?.['spec'] as DatasetSpec | undefined;
    const status = (job['status'] ?? {}) as { conditions?: StageCondition[]; startTime?: string };
    const conditions = status.conditions ?? [];
    const current = latest(conditions);

    // Downstream: the job and its models to the dataset's node, whose local controller runs the triggers.
    if (dataset) {
      for (const model of this.modelsOf(job)) this.sync.sync(`model:${namespace}/${model.metadata.name}@${dataset.nodeName}`, model, dataset.nodeName, `${model.metadata.generation}`);
      this.sync.sync(`job:${key}`, job, dataset.nodeName, `${job.metadata.generation}|${JSON.stringify(job.metadata.annotations ?? {})}|${conditions.length}`);
    }

    const hotConfig = this.hotUpdateConfig(job);
    if (hotConfig && job.metadata.annotations?.[HOT_UPDATE_CONFIG_ANNOTATION] !== hotConfig) {
      await this.client.mergePatch(KIND, namespace, name, { metadata: { annotations: { [HOT_UPDATE_CONFIG_ANNOTATION]: hotConfig } } });
      return;
    }
    await this.ensureInferenceWorker(job, dataset);

    const automatic = automaticTransition(current);
    if (automatic) return this.append(job, conditions, automatic, status.startTime === undefined);
    if (!current) return;

    if (current.type === 'Ready') {
      if (current.stage === 'Deploy') {
        if (spec.deploySpec.model.hotUpdateEnabled) return this.append(job, conditions, condition('Deploy', 'Starting', 'HotUpdate', 'the inference worker will load the new model', current.data));
        for (const pod of this.workers(job, 'inference')) await this.deletePod(namespace, pod.metadata.name!);
        await recordEvent(this.client, job, 'Normal', 'ColdUpdate', 'restarting the inference worker with the new model');
        return this.append(job, conditions, condition('Deploy', 'Completed', 'InferenceRestarted', 'the inference worker was restarted with the new model', current.data));
      }
      await this.createStageWorker(job, current, conditions.length - 1, dataset);
      return this.append(job, conditions, condition(current.stage, 'Starting', 'WorkerCreated', `the ${current.stage.toLowerCase()} worker is starting`, current.data));
    }

    if (current.type === 'Starting' || current.type === 'Running') {
      const readyIndex = conditions.map((c) => c.stage === current.stage && c.type === 'Ready').lastIndexOf(true);
      const worker = current.stage === 'Deploy' ? this.workers(job, 'inference').find(isActive) : this.workers(job, WORKER_TYPE[current.stage]).find((p) => p.metadata.annotations?.[STAGE_INDEX_ANNOTATION] === String(readyIndex));
      const state: WorkerState = worker ? (podPhase(worker) as WorkerState) : 'none';
      if (state === 'Running' && worker) await this.annotateStageNode(job, current.stage, String((worker['spec'] as { nodeName?: string }).nodeName ?? ''));
      const next = workerTransition(current, state, worker ? terminationReason(worker) : undefined);
      if (next) return this.append(job, conditions, next);
      if (state === 'Succeeded' && worker) {
        // The worker's own report (with its models) ends the stage; if it never comes, end it without.
        const finished = Date.parse(terminatedAt(worker) ?? '') || Date.now();
        const wait = finished + REPORT_GRACE_MS - Date.now();
        if (wait > 0) return { requeueAfterMs: wait };
        return this.append(job, conditions, condition(current.stage, 'Completed', 'WorkerSucceeded', 'the worker exited 0 without reporting its results', current.data));
      }
      if (state === 'none' && current.stage !== 'Deploy') {
        return this.append(job, conditions, condition(current.stage, 'Failed', 'WorkerMissing', `the ${current.stage.toLowerCase()} worker is gone`, current.data));
      }
    }
  }

  private hotUpdateConfig(job: KubeObject): string | undefined {
    const spec = job['spec'] as IncrementalLearningJobSpec;
    // Embedded mode: the LC and the worker share the host's files; the config lives in the job's output folder.
    return spec.deploySpec.model.hotUpdateEnabled ? join(spec.outputDir, 'model-hot-update', 'model_config.json') : undefined;
  }

  private workers(job: KubeObject, workerType: string): KubeObject[] {
    return this.pods
      .list(job.metadata.namespace)
      .filter((p) => isWorkerOf(p, job, workerType) && !p.metadata.deletionTimestamp)
      .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
  }

  private nodeFor(template: { spec: { nodeName?: string } }, dataset: DatasetSpec | undefined): string | undefined {
    return template.spec.nodeName || dataset?.nodeName;
  }

  private async ensureInferenceWorker(job: KubeObject, dataset: DatasetSpec | undefined): Promise<void> {
    const spec = job['spec'] as IncrementalLearningJobSpec;
    const namespace = job.metadata.namespace!;
    const pods = this.workers(job, 'inference');
    if (pods.some(isActive)) return;
    for (const ended of pods) await this.deletePod(namespace, ended.metadata.name!);
    const deployModel = this.models.get(spec.deploySpec.model.name, namespace)?.['spec'] as ModelSpec | undefined;
    const node = this.nodeFor(spec.deploySpec.template, dataset);
    if (!deployModel || !node) return;
    const hot = this.hotUpdateConfig(job);
    const env: Record<string, string> = {
      NAMESPACE: namespace,
      JOB_NAME: job.metadata.name!,
      WORKER_NAME: workerName('infer'),
      LC_SERVER: this.addressing.lcServer(node),
      MODEL_URL: deployModel.url,
      HEM_NAME: spec.deploySpec.hardExampleMining.name,
      HEM_PARAMETERS: JSON.stringify(spec.deploySpec.hardExampleMining.parameters ?? []),
      ...(hot ? { MODEL_HOT_UPDATE: 'true', MODEL_POLL_PERIOD_SECONDS: String(spec.deploySpec.model.pollPeriodSeconds), MODEL_HOT_UPDATE_CONFIG: hot } : {}),
    };
    const template = { ...spec.deploySpec.template, spec: { ...spec.deploySpec.template.spec, nodeName: node } };
    const pod = await this.client.create('Pod', namespace, buildWorkerPod({ owner: job, workerType: 'inference', template, env, restartPolicy: 'Always', hashOf: { template, env } }));
    await recordEvent(this.client, job, 'Normal', 'WorkerCreated', `created the inference worker ${pod.metadata.name}`);
  }

  private async createStageWorker(job: KubeObject, ready: StageCondition, readyIndex: number, dataset: DatasetSpec | undefined): Promise<void> {
    const spec = job['spec'] as IncrementalLearningJobSpec;
    const namespace = job.metadata.namespace!;
    const stage = ready.stage as 'Train' | 'Eval';
    if (this.workers(job, WORKER_TYPE[stage]).some((p) => p.metadata.annotations?.[STAGE_INDEX_ANNOTATION] === String(readyIndex))) return;
    const input = parseData(ready).input ?? {};
    const template = stage === 'Train' ? spec.trainSpec.template : spec.evalSpec.template;
    const node = this.nodeFor(template, dataset);
    const urls = (input.models ?? []).map((m) => m.url ?? '').filter(Boolean);
    const env: Record<string, string> = {
      NAMESPACE: namespace,
      JOB_NAME: job.metadata.name!,
      WORKER_NAME: workerName(stage === 'Train' ? 'train-' : 'eval-'),
      LC_SERVER: this.addressing.lcServer(node),
      ...(dataset ? { ORIGINAL_DATASET_URL: dataset.url } : {}),
      ...(stage === 'Train'
        ? { MODEL_URL: input.outputDir ?? join(spec.outputDir, 'train'), ...(urls[0] ? { BASE_MODEL_URL: urls[0] } : {}), ...(input.dataURL ? { TRAIN_DATASET_URL: input.dataURL } : {}) }
        : { MODEL_URLS: urls.join(';'), ...(input.dataURL ? { TEST_DATASET_URL: input.dataURL } : {}) }),
    };
    const withNode = { ...template, metadata: { ...(template.metadata ?? {}), annotations: { ...(template.metadata?.annotations ?? {}), [STAGE_INDEX_ANNOTATION]: String(readyIndex) } }, spec: { ...template.spec, ...(node ? { nodeName: node } : {}) } };
    const pod = await this.client.create('Pod', namespace, buildWorkerPod({ owner: job, workerType: WORKER_TYPE[stage], template: withNode, env, restartPolicy: 'Never', hashOf: { withNode, env } }));
    await recordEvent(this.client, job, 'Normal', 'WorkerCreated', `created the ${stage.toLowerCase()} worker ${pod.metadata.name}`);
  }

  private async annotateStageNode(job: KubeObject, stage: JobStage, node: string): Promise<void> {
    const annotation = `sedna.io/${stage}`;
    if (!node || job.metadata.annotations?.[annotation] === node) return;
    await this.client.mergePatch(KIND, job.metadata.namespace!, job.metadata.name!, { metadata: { annotations: { [annotation]: node } } });
  }

  private async deletePod(namespace: string, name: string): Promise<void> {
    await this.client.delete('Pod', namespace, name).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  /** Appends one condition, guarded by the resourceVersion the decision was made on. */
  private async append(job: KubeObject, conditions: readonly StageCondition[], next: StageCondition, start = false): Promise<void> {
    const patch: Record<string, unknown> = { conditions: [...conditions, next] };
    if (start) patch['startTime'] = next.lastTransitionTime;
    await this.client.mergePatch(KIND, job.metadata.namespace!, job.metadata.name!, { metadata: { resourceVersion: job.metadata.resourceVersion }, status: patch }, 'status').catch((err: unknown) => {
      // The job changed meanwhile: the change event reconciles again from the new state.
      if (!isConflict(err)) throw err;
    });
  }

  private async upstream(node: string, message: UpstreamMessage): Promise<void> {
    const { namespace, resourceName } = message.header;
    const content = message.content as { phase?: string; status?: string; input?: unknown; output?: unknown };
    for (let attempt = 0; ; attempt++) {
      const job = await this.client.get(KIND, namespace, resourceName).catch((err: unknown) => {
        if (isNotFound(err)) throw new Error(`incrementallearningjob ${namespace}/${resourceName} is unknown`, { cause: err });
        throw err;
      });
      const conditions = ((job['status'] as { conditions?: StageCondition[] } | undefined)?.conditions ?? []) as StageCondition[];
      const next = reportedCondition(latest(conditions), String(content.phase ?? ''), String(content.status ?? ''), JSON.stringify({ input: content.input ?? {}, output: content.output ?? {} }));
      if (typeof next === 'string') {
        console.warn(`[gm] incrementallearningjob ${namespace}/${resourceName}: a report from ${node} (${content.phase}/${content.status}) is ignored: ${next}`);
        return;
      }
      try {
        await this.client.mergePatch(KIND, namespace, resourceName, { metadata: { resourceVersion: job.metadata.resourceVersion }, status: { conditions: [...conditions, next] } }, 'status');
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err;
      }
    }
  }
}

function terminatedAt(pod: KubeObject): string | undefined {
  return (pod['status'] as { containerStatuses?: { state?: { terminated?: { finishedAt?: string } } }[] } | undefined)?.containerStatuses?.[0]?.state?.terminated?.finishedAt;
}

function terminationReason(pod: KubeObject): string {
  const t = (pod['status'] as { containerStatuses?: { state?: { terminated?: { exitCode?: number; reason?: string; message?: string } } }[] } | undefined)?.containerStatuses?.[0]?.state?.terminated;
  return t ? `the worker ${pod.metadata.name} failed: exit code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}${t.message ? `: ${t.message}` : ''}` : `the worker ${pod.metadata.name} failed`;
}
