/**
 * JointInferenceService: a cloud worker serving the big model behind a Service, and an edge worker with the little
 * model and hard example mining that calls it. On a real cluster they are Deployments, as in the original; in
 * embedded mode, Pods that are recreated when they end. Either way a spec change reaches the running workers (the
 * original dropped JI spec updates).
 * Status: conditions Pending, Running, Failed (a new one only when the state changes), `active` and `failed`
 * counts, and `metrics` from the edge worker's reports. JOB_NAME is set for both workers (the original forgot it,
 * so its status metrics never landed).
 */
import type { JointInferenceServiceSpec, KubeObject, ModelSpec, ServiceCondition, UpstreamMessage } from '@sedna/api';
import { rfc3339 as now } from '@sedna/api/runtime';
import type { ChannelRouter } from '../../channel/router.js';
import type { KindReader, ObjectCache } from '../../runtime/cache.js';
import { isConflict, isInvalid, isNotFound, type ObjectClient } from '../../runtime/client.js';
import { type ControllerDeclaration, keyOf, type ObjectKey, type ReconcileResult, type Reconciler, splitKey, watch } from '../../runtime/controller.js';
import { recordConditionEvent, recordEvent } from '../../runtime/events.js';
import type { ObjectOf } from '../../runtime/kinds.js';
import { bindAddressEnv, type Addressing, type AddressingFor } from '../../workers/addressing.js';
import { nameLabelValue, serviceName } from '../../workers/names.js';
import { References, referenceWatches } from '../../workers/references.js';
import { firstWorkerProblem } from '../../workers/pod-problem.js';
import { syncHpa, type HpaSpec } from './autoscaling/hpa-object.js';
import type { EmbeddedAutoscaler } from './autoscaling/embedded-autoscaler.js';
import { type ServiceEndpoint } from '../../workers/addressing.js';
import { buildWorkerPod, controllerRef, isActive, isWorkerOf, podPhase, SPEC_HASH_ANNOTATION, specHash, workerName } from '../../workers/worker-pod.js';
import { syncWorkerDeployment } from '../../workers/worker-deployment.js';
import { WORKER_ENV, type WorkerEnv } from '@sedna/api/contracts';

export const BIG_MODEL_PORT = 5000;
const KIND = 'JointInferenceService' as const;
/** Embedded mode: which replica of its worker type a pod is (0 without autoscaling); a cloud replica's port goes by it. */
export const REPLICA_LABEL = 'jointinferenceservice.sedna.io/replica';
/** The edge worker's list of every cloud replica, `host:port,...`, when the cloud worker is autoscaled. */
export const BIG_MODEL_ENDPOINTS_ENV = WORKER_ENV.BIG_MODEL_ENDPOINTS;

type WorkerType = 'cloud' | 'edge';
type Replicas = Record<WorkerType, number>;

const replicaOf = (pod: KubeObject): number => Number(pod.metadata.labels?.[REPLICA_LABEL] ?? 0);
const workerTypeOf = (pod: KubeObject): string => pod.metadata.labels?.['jointinferenceservice.sedna.io/worker-type'] ?? '';

type Ji = ObjectOf<'JointInferenceService'>;

/** Whether a service is still waiting (for a node's address, its workers): a node change may let it go on. */
function notRunning(ji: Ji): boolean {
  return ji.status?.conditions?.at(-1)?.type !== 'Running';
}

export interface JointInferenceDeps {
  cache: ObjectCache;
  client: ObjectClient;
  addressing: AddressingFor;
  router: ChannelRouter;
  /** Kubernetes mode: the workers are Deployments (the kubelets run their pods); embedded mode: Pods. */
  deployments: boolean;
  /** Embedded mode: scales workers with `hpa` (a cluster's HorizontalPodAutoscalers do it in Kubernetes mode). */
  autoscaler?: EmbeddedAutoscaler;
}

export class JointInferenceController implements Reconciler {
  /** `deployments`: Kubernetes mode, whose workers are Deployments (and their HPAs). */
  static declaration(deployments: boolean): ControllerDeclaration {
    return {
      name: 'jointinference',
      for: KIND,
      owns: ['Pod', 'Service', ...(deployments ? (['Deployment'] as const) : [])],
      watches: [
        // Models and named nodes: a service waiting for one goes on when it appears; a Model's URL change is a new
        // model for the workers that use it.
        ...referenceWatches(KIND),
        // A node's address (the cloud worker's endpoint) may be what a waiting service lacks.
        watch('Node', (_node, cache) => cache.list(KIND).filter(notRunning).map(keyOf)),
      ],
    };
  }
  private readonly services: KindReader<'JointInferenceService'>;
  private readonly models: KindReader<'Model'>;
  private readonly pods: KindReader<'Pod'>;
  private readonly kubeServices: KindReader<'Service'>;
  private readonly deployments: KindReader<'Deployment'> | undefined;
  private readonly client: ObjectClient;
  private readonly addressing: Addressing;
  private readonly references: References;
  private readonly autoscaler: EmbeddedAutoscaler | undefined;

  constructor({ cache, client, addressing, router, deployments, autoscaler }: JointInferenceDeps) {
    this.services = cache.of(KIND);
    this.models = cache.of('Model');
    this.pods = cache.of('Pod');
    this.kubeServices = cache.of('Service');
    this.deployments = deployments ? cache.of('Deployment') : undefined;
    this.client = client;
    this.addressing = addressing(cache);
    this.references = new References(cache);
    this.autoscaler = autoscaler;
    router.handleUpstream('jointinferenceservice', (node, message) => this.upstream(node, message));
  }

  async reconcile(key: ObjectKey): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const ji = this.services.get(name, namespace);
    if (!ji || ji.metadata.deletionTimestamp) {
      this.autoscaler?.forget(namespace, name);
      return; // its workers go by garbage collection
    }
    const spec = ji.spec;
    const missing = this.references.check(ji);
    const cloudModel = this.model(namespace, spec.cloudWorker.model.name);
    const edgeModel = this.model(namespace, spec.edgeWorker.model.name);
    if (missing || !cloudModel || !edgeModel) {
      await this.setStatus(ji, 'Pending', missing?.reason ?? 'ModelNotFound', missing?.message ?? 'waiting for the models', 0, 0);
      return;
    }
    let scaling: { replicas: Replicas; requeueAfterMs?: number };
    try {
      scaling = await this.plannedReplicas(ji, spec);
      const service = await this.ensureService(ji, spec.cloudWorker.hpa ? Math.max(spec.cloudWorker.hpa.minReplicas ?? 1, spec.cloudWorker.hpa.maxReplicas) : 1);
      const waiting = await this.ensureWorkers(ji, spec, cloudModel, edgeModel, service, scaling.replicas);
      if (waiting) {
        await this.setStatus(ji, 'Pending', 'WaitingForCloudNode', waiting, 0, 0);
        return;
      }
    } catch (err) {
      // A derived object the API refuses (a limit broken): say so on the service, not only in the GM's log.
      if (!isInvalid(err)) throw err;
      await this.setStatus(ji, 'Failed', 'InvalidWorkerObject', err.message, 0, 0);
      await recordEvent(this.client, ji, 'Warning', 'InvalidWorkerObject', err.message);
      return;
    }
    let active: number;
    let failed: number;
    if (this.deployments) {
      for (const workerType of ['cloud', 'edge'] as const) {
        const hpa = (workerType === 'cloud' ? spec.cloudWorker : spec.edgeWorker).hpa as HpaSpec | undefined;
        await syncHpa(this.client, ji, workerType, `${name}-deployment-${workerType}`, hpa);
      }
      const deployments = this.deployments.list(namespace).filter((d) => isWorkerOf(d, ji));
      const available = (d: ObjectOf<'Deployment'>) => Number(d.status?.availableReplicas ?? 0) > 0;
      const replicaFailure = (d: ObjectOf<'Deployment'>) => (d.status?.conditions ?? []).some((c) => c.type === 'ReplicaFailure' && c.status === 'True');
      active = deployments.filter(available).length;
      failed = deployments.filter(replicaFailure).length;
      if (failed > 0) {
        await this.setStatus(ji, 'Failed', 'ReplicaFailure', `${failed} worker deployment(s) cannot create pods`, active, failed);
        return;
      }
      if (active === 2) await this.setStatus(ji, 'Running', 'WorkersRunning', 'the cloud and edge workers are running', active, failed);
      else await this.setStatus(ji, 'Pending', 'WorkersStarting', `${active} of 2 workers running`, active, failed);
      return;
    }
    const workers = this.pods.list(namespace).filter((p) => isWorkerOf(p, ji));
    const running = workers.filter((p) => isActive(p) && podPhase(p) === 'Running');
    active = running.length;
    failed = workers.filter((p) => podPhase(p) === 'Failed').length;
    const bothRunning = running.some((p) => workerTypeOf(p) === 'cloud') && running.some((p) => workerTypeOf(p) === 'edge');
    // A worker that cannot start says why on the service: the reason and message its node gave.
    const problem = bothRunning ? undefined : firstWorkerProblem(workers, (p) => `the ${workerTypeOf(p)} worker ${p.metadata.name}`);
    if (problem) await this.setStatus(ji, 'Pending', problem.reason, problem.message, active, failed);
    else if (bothRunning) await this.setStatus(ji, 'Running', 'WorkersRunning', 'the cloud and edge workers are running', active, failed);
    else await this.setStatus(ji, 'Pending', 'WorkersStarting', `${active} of ${scaling.replicas.cloud + scaling.replicas.edge} workers running`, active, failed);
    // An autoscaled worker is looked at again when its next sync is due.
    return scaling.requeueAfterMs !== undefined ? { requeueAfterMs: scaling.requeueAfterMs } : undefined;
  }

  /**
   * Embedded mode: the replicas of each worker type, 1 without `hpa`, else what the autoscaler decides from the
   * workers' metrics. Kubernetes mode: the Deployments' HorizontalPodAutoscalers decide; not asked here.
   */
  private async plannedReplicas(ji: KubeObject, spec: JointInferenceServiceSpec): Promise<{ replicas: Replicas; requeueAfterMs?: number }> {
    const replicas: Replicas = { cloud: 1, edge: 1 };
    if (this.deployments || !this.autoscaler) return { replicas };
    let requeueAfterMs: number | undefined;
    for (const type of ['cloud', 'edge'] as const) {
      const hpa = (type === 'cloud' ? spec.cloudWorker : spec.edgeWorker).hpa as HpaSpec | undefined;
      if (!hpa) continue;
      const pods = this.pods.list(ji.metadata.namespace).filter((p) => isWorkerOf(p, ji, type) && isActive(p) && !p.metadata.deletionTimestamp);
      const decision = await this.autoscaler.replicas(ji, type, hpa, pods.filter((p) => podPhase(p) === 'Running'), pods.length);
      replicas[type] = decision.replicas;
      requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, decision.nextSyncInMs);
    }
    return requeueAfterMs === undefined ? { replicas } : { replicas, requeueAfterMs };
  }

  /** The cloud and edge workers, once the models and the cloud worker's Service are there; else what it waits for. */
  private async ensureWorkers(ji: KubeObject, spec: JointInferenceServiceSpec, cloudModel: ModelSpec, edgeModel: ModelSpec, service: ObjectOf<'Service'>, replicas: Replicas): Promise<string | undefined> {
    const namespace = ji.metadata.namespace!;
    const name = ji.metadata.name!;
    const cloudNode = spec.cloudWorker.template.spec.nodeName;
    const edgeNode = spec.edgeWorker.template.spec.nodeName;
    const endpoints = this.addressing.endpoints(service, cloudNode);
    const first = endpoints[0];
    if (!first || endpoints.length < replicas.cloud) return `the cloud worker's node ${cloudNode ?? '(none)'} has no address yet`;
    const common: WorkerEnv = { NAMESPACE: namespace, JOB_NAME: name, SERVICE_NAME: name };
    const cloudEnv = (endpoint: ServiceEndpoint) => {
      // The cloud worker binds where the edge is sent (the original's worker guessed its host's outward address).
      const bind = bindAddressEnv(WORKER_ENV.BIG_MODEL_BIND_IP, endpoint);
      const env: WorkerEnv = { ...common, MODEL_URL: cloudModel.url, ...bind.env, BIG_MODEL_BIND_PORT: String(endpoint.bindPort), LC_SERVER: this.addressing.lcServer(cloudNode) };
      return { env, fieldEnv: bind.fieldEnv };
    };
    const edgeEnv: WorkerEnv = {
      ...common,
      MODEL_URL: edgeModel.url,
      HEM_NAME: spec.edgeWorker.hardExampleMining.name,
      HEM_PARAMETERS: JSON.stringify(spec.edgeWorker.hardExampleMining.parameters ?? []),
      BIG_MODEL_IP: first.host,
      BIG_MODEL_PORT: String(first.port),
      // Every replica the cloud worker may have: the edge spreads its requests over those that answer.
      ...(endpoints.length > 1 ? { [BIG_MODEL_ENDPOINTS_ENV]: endpoints.map((e) => `${e.host}:${e.port}`).join(',') } : {}),
      LC_SERVER: this.addressing.lcServer(edgeNode),
    };
    if (this.deployments) {
      const cloud = cloudEnv(first);
      await this.ensureDeployment(ji, 'cloud', spec.cloudWorker.template, cloud.env, cloud.fieldEnv);
      await this.ensureDeployment(ji, 'edge', spec.edgeWorker.template, edgeEnv, {});
      return undefined;
    }
    for (let i = 0; i < replicas.cloud; i++) {
      const cloud = cloudEnv(endpoints[i]!);
      await this.ensureWorker(ji, 'cloud', i, spec.cloudWorker.template, cloud.env, cloud.fieldEnv);
    }
    for (let i = 0; i < replicas.edge; i++) await this.ensureWorker(ji, 'edge', i, spec.edgeWorker.template, edgeEnv);
    await this.removeExtraReplicas(ji, replicas);
    return undefined;
  }

  /** Scaled down: the replicas past the count go (the highest first, so the low ones keep their ports). */
  private async removeExtraReplicas(ji: KubeObject, replicas: Replicas): Promise<void> {
    const extra = this.pods
      .list(ji.metadata.namespace)
      .filter((p) => isWorkerOf(p, ji) && !p.metadata.deletionTimestamp && replicaOf(p) >= (replicas[workerTypeOf(p) as WorkerType] ?? 1))
      .sort((a, b) => replicaOf(b) - replicaOf(a));
    for (const pod of extra) {
      await this.client.delete('Pod', pod.metadata.namespace!, pod.metadata.name!).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      await recordEvent(this.client, ji, 'Normal', 'WorkerDeleted', `removed the ${workerTypeOf(pod)} worker ${pod.metadata.name} (replica ${replicaOf(pod)}): scaled to ${replicas[workerTypeOf(pod) as WorkerType]}`);
    }
  }

  private model(namespace: string, name: string): ModelSpec | undefined {
    return this.models.get(name, namespace)?.spec;
  }

  /** The cloud worker's Service, with a port per replica it may have (embedded mode; see Addressing.serviceSpec). */
  private async ensureService(ji: KubeObject, replicas: number): Promise<ObjectOf<'Service'>> {
    const name = serviceName(ji.metadata.name!, 'cloud');
    const namespace = ji.metadata.namespace!;
    const existing = this.kubeServices.get(name, namespace);
    if (existing) {
      const ports = (existing.spec.ports ?? []).length;
      if (!this.addressing.embedded || ports === replicas) return existing;
      const wanted = this.addressing.serviceSpec(BIG_MODEL_PORT, existing, replicas);
      return this.client.mergePatch('Service', namespace, name, { spec: { ports: wanted.ports ?? [] } });
    }
    const spec = this.addressing.serviceSpec(BIG_MODEL_PORT, undefined, replicas);
    try {
      return await this.client.create('Service', namespace, {
        metadata: { name, namespace, labels: { 'app.sedna.io': nameLabelValue(`${ji.metadata.name}-cloud-svc`) }, ownerReferences: [controllerRef(ji)] },
        spec: { ...spec, selector: { [`jointinferenceservice.sedna.io/name`]: nameLabelValue(ji.metadata.name!), [`jointinferenceservice.sedna.io/worker-type`]: 'cloud' } },
      });
    } catch (err) {
      if (isConflict(err)) return this.client.get('Service', namespace, name);
      throw err;
    }
  }

  /** Kubernetes mode: a Deployment per worker type, its pod template updated when the spec changes. */
  private async ensureDeployment(ji: KubeObject, workerType: 'cloud' | 'edge', template: JointInferenceServiceSpec['cloudWorker']['template'], env: WorkerEnv, fieldEnv: Record<string, string>): Promise<void> {
    const namespace = ji.metadata.namespace!;
    const name = `${ji.metadata.name}-deployment-${workerType}`;
    // A stable WORKER_NAME per deployment: a random one would change the template on every reconcile.
    const stableName = `${workerType}worker-${specHash(ji.metadata.uid).slice(0, 5)}`;
    const pod = buildWorkerPod({ owner: ji, workerType, template, env: { ...env, WORKER_NAME: stableName }, fieldEnv, restartPolicy: 'Always', hashOf: { template, env, fieldEnv } });
    // Its replicas are the HPA's after the first (autoscaling/hpa-object.ts).
    const change = await syncWorkerDeployment(this.client, this.deployments!.get(name, namespace), { owner: ji, workerType, name, pod, replicas: 1, keepReplicas: false });
    if (change === 'created') await recordEvent(this.client, ji, 'Normal', 'WorkerCreated', `created the ${workerType} worker deployment ${name}`);
    if (change === 'updated') await recordEvent(this.client, ji, 'Normal', 'WorkerUpdated', `updated the ${workerType} worker deployment ${name} to apply the new spec`);
  }

  /** Embedded mode: one active pod for replica `replica` of a worker type, made from the current spec; an outdated or ended one is replaced. */
  private async ensureWorker(ji: KubeObject, workerType: WorkerType, replica: number, template: JointInferenceServiceSpec['cloudWorker']['template'], env: WorkerEnv, fieldEnv: Record<string, string> = {}): Promise<void> {
    const namespace = ji.metadata.namespace!;
    const hashOf = { template, env };
    const wanted = specHash(hashOf);
    const pods = this.pods.list(namespace).filter((p) => isWorkerOf(p, ji, workerType) && replicaOf(p) === replica);
    let current = false;
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) continue;
      const upToDate = pod.metadata.annotations?.[SPEC_HASH_ANNOTATION] === wanted;
      if (upToDate && isActive(pod) && !current) {
        current = true;
        continue;
      }
      // Outdated, ended, or a duplicate: replace it.
      await this.client.delete('Pod', namespace, pod.metadata.name!).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      if (!upToDate) await recordEvent(this.client, ji, 'Normal', 'WorkerUpdated', `the ${workerType} worker ${pod.metadata.name} is replaced to apply the new spec`);
    }
    if (current) return;
    const pod = buildWorkerPod({ owner: ji, workerType, template, env: { ...env, WORKER_NAME: workerName(workerType) }, fieldEnv, restartPolicy: 'Always', hashOf });
    const created = await this.client.create('Pod', namespace, { ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, [REPLICA_LABEL]: String(replica) } } });
    await recordEvent(this.client, ji, 'Normal', 'WorkerCreated', `created the ${workerType} worker ${created.metadata.name}`);
  }

  private async setStatus(ji: Ji, type: ServiceCondition['type'], reason: string, message: string, active: number, failed: number): Promise<void> {
    const status: { conditions?: ServiceCondition[]; startTime?: string; active?: number; failed?: number; metrics?: unknown } = ji.status ?? {};
    const conditions = [...(status.conditions ?? [])];
    const last = conditions[conditions.length - 1];
    const changed = !last || last.type !== type || last.reason !== reason;
    if (changed) conditions.push({ type, status: 'True', reason, message, lastTransitionTime: now(), lastHeartbeatTime: now() });
    // Metrics are written by reports; this patch leaves them alone.
    const next = { conditions, startTime: status.startTime ?? now(), active, failed };
    const current = { conditions: status.conditions ?? [], startTime: status.startTime, active: status.active, failed: status.failed };
    if (JSON.stringify(next) === JSON.stringify(current)) return;
    await this.client.mergePatch(KIND, ji.metadata.namespace!, ji.metadata.name!, { status: next }, 'status');
    if (changed) await recordConditionEvent(this.client, ji, { type, reason, message });
  }

  /** The edge worker's reports: ownerInfo counters become `status.metrics` (strings, as the original). */
  private async upstream(_node: string, message: UpstreamMessage): Promise<void> {
    const { namespace, resourceName } = message.header;
    if (!this.services.get(resourceName, namespace)) throw new Error(`jointinferenceservice ${namespace}/${resourceName} is unknown`);
    const ownerInfo = ((message.content['output'] as { ownerInfo?: Record<string, unknown> } | undefined)?.ownerInfo ?? {}) as Record<string, unknown>;
    const metrics = Object.entries(ownerInfo)
      .filter(([k]) => k !== 'startTime' && k !== 'updateTime')
      .map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) }));
    if (metrics.length === 0) return;
    await this.client.mergePatch(KIND, namespace, resourceName, { status: { metrics } }, 'status');
  }
}
