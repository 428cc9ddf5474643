/**
 * FederatedLearningJob: an aggregation worker (cloud) behind a Service, and one training worker per
 * `trainingWorkers[i]` on its dataset's node. Phase Pending, Running, Succeeded, Failed; conditions Training (one
 * per round reported), Complete, Failed; `active`, `succeeded`, `failed`. A deleted worker is recreated while the
 * job runs; a spec change restarts all workers. The aggregated model's metrics go into the Model's status (the
 * original never delivered them).
 */
import type { FederatedLearningJobSpec, FederatedLearningJobStatus, KubeObject, ModelSpec, UpstreamMessage } from '@sedna/api';
import { rfc3339 as now } from '@sedna/api/runtime';
import type { ChannelRouter } from '../../channel/router.js';
import type { KindReader, ObjectCache } from '../../runtime/cache.js';
import { getObject, isConflict, isInvalid, isNotFound, type ObjectClient } from '../../runtime/client.js';
import { type ControllerDeclaration, keyOf, type ObjectKey, type Reconciler, splitKey, watch } from '../../runtime/controller.js';
import { recordConditionEvent, recordEvent } from '../../runtime/events.js';
import type { ObjectOf } from '../../runtime/kinds.js';
import { bindAddressEnv, type Addressing, type AddressingFor } from '../../workers/addressing.js';
import { nameLabelValue, serviceName } from '../../workers/names.js';
import { nodeForRole } from '../../workers/placement.js';
import { firstWorkerProblem } from '../../workers/pod-problem.js';
import { References, referenceWatches } from '../../workers/references.js';
import { buildWorkerPod, controllerRef, isActive, isWorkerOf, podPhase, workerName } from '../../workers/worker-pod.js';

export const AGG_PORT = 7363;
const KIND = 'FederatedLearningJob' as const;
import { JOB_GENERATION_ANNOTATION as GENERATION_ANNOTATION, WORKER_INDEX_ANNOTATION as INDEX_ANNOTATION } from '@sedna/api';
import { WORKER_ENV, type WorkerEnv } from '@sedna/api/contracts';

/** A status as read (a new job has none; the counts are defaults the API server fills). */
type FlStatus = Partial<FederatedLearningJobStatus>;

/**
 * Phase Pending with a condition saying why (a `Training` condition with status False: the job is not training),
 * appended only when the reason or message changes.
 */
function pendingBecause(status: FlStatus, reason: string, message: string): FlStatus {
  const conditions = status.conditions ?? [];
  const last = conditions[conditions.length - 1];
  const same = last?.type === 'Training' && last.status === 'False' && last.reason === reason && last.message === message;
  return { ...status, phase: 'Pending', conditions: same ? conditions : [...conditions, { type: 'Training', status: 'False', lastProbeTime: now(), lastHeartbeatTime: now(), reason, message }] };
}

type Job = ObjectOf<'FederatedLearningJob'>;

export interface FederatedLearningDeps {
  cache: ObjectCache;
  client: ObjectClient;
  addressing: AddressingFor;
  router: ChannelRouter;
}

export class FederatedLearningController implements Reconciler {
  static readonly declaration: ControllerDeclaration = {
    name: 'federatedlearning',
    for: KIND,
    owns: ['Pod', 'Service'],
    watches: [
      // Datasets, Models and named nodes: a job waiting for one goes on when it appears.
      ...referenceWatches(KIND),
      // The aggregator goes to a Ready cloud node when it names none: a pending job waits for one (and its address).
      watch('Node', (_node, cache) => cache.list(KIND).filter((job) => (job.status?.phase ?? 'Pending') === 'Pending').map(keyOf)),
    ],
  };
  private readonly jobs: KindReader<'FederatedLearningJob'>;
  private readonly models: KindReader<'Model'>;
  private readonly datasets: KindReader<'Dataset'>;
  private readonly pods: KindReader<'Pod'>;
  private readonly services: KindReader<'Service'>;
  private readonly nodes: KindReader<'Node'>;
  private readonly client: ObjectClient;
  private readonly addressing: Addressing;
  private readonly references: References;

  constructor({ cache, client, addressing, router }: FederatedLearningDeps) {
    this.jobs = cache.of(KIND);
    this.models = cache.of('Model');
    this.datasets = cache.of('Dataset');
    this.pods = cache.of('Pod');
    this.services = cache.of('Service');
    this.nodes = cache.of('Node');
    this.client = client;
    this.addressing = addressing(cache);
    this.references = new References(cache);
    router.handleUpstream('federatedlearningjob', (node, message) => this.upstream(node, message));
  }

  async reconcile(key: ObjectKey): Promise<void> {
    const { namespace, name } = splitKey(key);
    const job = this.jobs.get(name, namespace);
    if (!job || job.metadata.deletionTimestamp) return;
    const status: FlStatus = job.status ?? {};
    if (status.phase === 'Succeeded' || status.phase === 'Failed') return; // finished jobs keep their workers' records
    const spec = job.spec;
    const generation = String(job.metadata.generation ?? 1);
    const workers = this.pods.list(namespace).filter((p) => isWorkerOf(p, job));

    // A spec change restarts every worker.
    const outdated = workers.filter((p) => p.metadata.annotations?.[GENERATION_ANNOTATION] !== generation && !p.metadata.deletionTimestamp);
    if (outdated.length > 0) {
      for (const pod of outdated) await this.deletePod(namespace, pod.metadata.name!);
      await recordEvent(this.client, job, 'Normal', 'SpecChanged', `restarting ${outdated.length} worker(s) for generation ${generation}`);
      return;
    }

    const missing = this.references.check(job);
    const aggModel = this.models.get(spec.aggregationWorker.model.name, namespace)?.spec;
    const pretrained = spec.pretrainedModel ? this.models.get(spec.pretrainedModel.name, namespace)?.spec : undefined;
    if (missing || !aggModel || (spec.pretrainedModel && !pretrained)) {
      await this.writeStatus(job, pendingBecause(status, missing?.reason ?? 'ModelNotFound', missing?.message ?? 'waiting for the models'));
      return;
    }
    try {
      if (!(await this.ensureWorkers(job, spec, status, workers, aggModel, pretrained, generation))) return;
    } catch (err) {
      // A derived object the API refuses (a limit broken): say so on the job, not only in the GM's log.
      if (!isInvalid(err)) throw err;
      await this.writeStatus(job, pendingBecause(status, 'InvalidWorkerObject', err.message));
      await recordEvent(this.client, job, 'Warning', 'InvalidWorkerObject', err.message);
      return;
    }

    const current = this.pods.list(namespace).filter((p) => isWorkerOf(p, job) && !p.metadata.deletionTimestamp);
    const active = current.filter(isActive).length;
    const succeeded = current.filter((p) => podPhase(p) === 'Succeeded').length;
    const failed = current.filter((p) => podPhase(p) === 'Failed').length;
    const next: FlStatus = { ...status, active, succeeded, failed, startTime: status.startTime ?? now() };
    const problem = firstWorkerProblem(current, (p) => `the ${p.metadata.labels?.['federatedlearningjob.sedna.io/worker-type'] ?? ''} worker ${p.metadata.name}`);
    if (failed > 0) {
      next.phase = 'Failed';
      next.conditions = [...(status.conditions ?? []), { type: 'Failed', status: 'True', lastProbeTime: now(), lastHeartbeatTime: now(), reason: 'WorkerFailed', message: `${failed} worker(s) failed` }];
      next.completionTime = now();
    } else if (succeeded > 0 && active === 0) {
      next.phase = 'Succeeded';
      next.conditions = [...(status.conditions ?? []), { type: 'Complete', status: 'True', lastProbeTime: now(), lastHeartbeatTime: now(), reason: 'Completed', message: 'every worker completed' }];
      next.completionTime = now();
    } else if (problem) {
      // A worker that cannot start says why on the job: the reason and message its node gave.
      Object.assign(next, pendingBecause(next, problem.reason, problem.message));
    } else {
      next.phase = 'Running';
    }
    await this.writeStatus(job, next);
  }

  /** Creates the workers that are missing; false while the aggregator's node has no address (status written). */
  private async ensureWorkers(job: Job, spec: FederatedLearningJobSpec, status: FlStatus, workers: ObjectOf<'Pod'>[], aggModel: ModelSpec, pretrained: ModelSpec | undefined, generation: string): Promise<boolean> {
    const namespace = job.metadata.namespace!;
    const name = job.metadata.name!;
    const service = await this.ensureService(job);
    const aggNode = spec.aggregationWorker.template.spec.nodeName || nodeForRole(this.nodes, 'cloud');
    const endpoint = aggNode ? this.addressing.endpoint(service, aggNode) : undefined;
    if (!aggNode || !endpoint) {
      await this.writeStatus(job, pendingBecause(status, 'WaitingForCloudNode', `the aggregation worker's node ${aggNode ?? '(no Ready cloud node)'} has no address yet`));
      return false;
    }
    const transmitter = spec.transmitter?.s3 ? 's3' : 'ws';
    const common: WorkerEnv = {
      NAMESPACE: namespace,
      JOB_NAME: name,
      PARTICIPANTS_COUNT: String(spec.trainingWorkers.length),
      TRANSMITTER: transmitter,
      ...(spec.transmitter?.s3 ? { AGG_DATA_PATH: spec.transmitter.s3.aggDataPath } : {}),
      ...(pretrained ? { PRETRAINED_MODEL_URL: pretrained.url } : {}),
    };
    const started = workers.some((p) => p.metadata.annotations?.[INDEX_ANNOTATION] === 'aggregation');
    const done = (index: string) => workers.some((p) => p.metadata.annotations?.[INDEX_ANNOTATION] === index && (isActive(p) || podPhase(p) === 'Succeeded'));

    if (!done('aggregation')) {
      // The aggregator binds where the trainers are sent (the original's guessed its host's outward address).
      const bind = bindAddressEnv(WORKER_ENV.AGG_BIND_IP, endpoint);
      await this.createWorker(
        job,
        'aggregation',
        'aggregation',
        { ...spec.aggregationWorker.template, spec: { ...spec.aggregationWorker.template.spec, nodeName: aggNode } },
        { ...common, MODEL_URL: aggModel.url, ...bind.env, AGG_BIND_PORT: String(endpoint.bindPort), LC_SERVER: this.addressing.lcServer(aggNode) },
        generation,
        started,
        bind.fieldEnv,
      );
    }
    for (const [i, worker] of spec.trainingWorkers.entries()) {
      if (done(String(i))) continue;
      const dataset = this.datasets.get(worker.dataset.name, namespace)?.spec;
      if (!dataset) continue; // created when its Dataset appears
      const node = worker.template.spec.nodeName || dataset.nodeName;
      await this.createWorker(job, 'train', String(i), { ...worker.template, spec: { ...worker.template.spec, nodeName: node } }, {
        ...common,
        AGG_IP: endpoint.host,
        AGG_PORT: String(endpoint.port),
        TRAIN_DATASET_URL: dataset.url,
        DATASET_NAME: worker.dataset.name,
        MODEL_NAME: spec.aggregationWorker.model.name,
        MODEL_URL: aggModel.url,
        LC_SERVER: this.addressing.lcServer(node),
      }, generation, started);
    }
    return true;
  }

  private async createWorker(job: KubeObject, workerType: 'aggregation' | 'train', index: string, template: FederatedLearningJobSpec['aggregationWorker']['template'], env: WorkerEnv, generation: string, recreate: boolean, fieldEnv: Record<string, string> = {}): Promise<void> {
    const pod = buildWorkerPod({
      owner: job,
      workerType,
      template: { ...template, metadata: { ...(template.metadata ?? {}), annotations: { ...(template.metadata?.annotations ?? {}), [GENERATION_ANNOTATION]: generation, [INDEX_ANNOTATION]: index } } },
      env: { ...env, WORKER_NAME: workerName(workerType === 'aggregation' ? 'agg' : 'train') },
      fieldEnv,
      restartPolicy: 'OnFailure',
      hashOf: { template, env },
    });
    const created = await this.client.create('Pod', job.metadata.namespace!, pod);
    await recordEvent(this.client, job, 'Normal', recreate ? 'WorkerRecreated' : 'WorkerCreated', `${recreate ? 'recreated' : 'created'} the ${workerType} worker ${created.metadata.name}${workerType === 'train' ? ` (trainingWorkers[${index}])` : ''}`);
  }

  private async ensureService(job: KubeObject): Promise<ObjectOf<'Service'>> {
    const name = serviceName(job.metadata.name!, 'aggregation');
    const namespace = job.metadata.namespace!;
    const existing = this.services.get(name, namespace);
    if (existing) return existing;
    try {
      return await this.client.create('Service', namespace, {
        metadata: { name, namespace, ownerReferences: [controllerRef(job)] },
        spec: { ...this.addressing.serviceSpec(AGG_PORT, undefined), selector: { 'federatedlearningjob.sedna.io/name': nameLabelValue(job.metadata.name!), 'federatedlearningjob.sedna.io/worker-type': 'aggregation' } },
      });
    } catch (err) {
      if (isConflict(err)) return this.client.get('Service', namespace, name);
      throw err;
    }
  }

  private async deletePod(namespace: string, name: string): Promise<void> {
    await this.client.delete('Pod', namespace, name).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  private async writeStatus(job: Job, next: FlStatus): Promise<void> {
    if (JSON.stringify(next) === JSON.stringify(job.status ?? {})) return;
    await this.client.mergePatch(KIND, job.metadata.namespace!, job.metadata.name!, { metadata: { resourceVersion: job.metadata.resourceVersion }, status: next }, 'status');
    const before = (job.status?.conditions ?? []).length;
    for (const condition of (next.conditions ?? []).slice(before)) await recordConditionEvent(this.client, job, condition);
  }

  /**
   * Reports of the workers: a new round appends a Training condition; the aggregated model's metrics go into the
   * aggregation Model's status.
   */
  private async upstream(_node: string, message: UpstreamMessage): Promise<void> {
    const { namespace, resourceName } = message.header;
    const output = (message.content['output'] ?? {}) as { ownerInfo?: { currentRound?: number; updateTime?: string }; models?: { metrics?: Record<string, unknown> }[] };
    for (let attempt = 0; ; attempt++) {
      const job = await getObject(this.client, KIND, namespace, resourceName).catch((err: unknown) => {
        if (isNotFound(err)) throw new Error(`federatedlearningjob ${namespace}/${resourceName} is unknown`, { cause: err });
        throw err;
      });
      const spec = job.spec;
      const metrics = output.models?.[0]?.metrics;
      if (metrics && Object.keys(metrics).length > 0) {
        const list = Object.entries(metrics).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) }));
        await this.client.mergePatch('Model', namespace, spec.aggregationWorker.model.name, { status: { metrics: list, updateTime: now() } }, 'status');
      }
      const round = Number(output.ownerInfo?.currentRound ?? 0);
      if (!(round > 0)) return;
      const status: FlStatus = job.status ?? {};
      const text = `Round ${round} reaches at ${output.ownerInfo?.updateTime ?? now()}`;
      if ((status.conditions ?? []).some((c) => c.type === 'Training' && c.message?.startsWith(`Round ${round} `))) return;
      const conditions = [...(status.conditions ?? []), { type: 'Training' as const, status: 'True' as const, lastProbeTime: now(), lastHeartbeatTime: now(), reason: 'DoTraining', message: text }];
      try {
        await this.client.mergePatch(KIND, namespace, resourceName, { metadata: { resourceVersion: job.metadata.resourceVersion }, status: { conditions } }, 'status');
        await recordConditionEvent(this.client, job, conditions[conditions.length - 1]!);
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err;
      }
    }
  }
}
