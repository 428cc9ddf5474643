/**
 * The worker machinery shared by the multi-edge controllers: placement in embedded mode (template nodeName, else a
 * Ready node matching the nodeSelector, else the group's default role), one Service per listening group (the
 * original's names and ports; recreated pods reuse it instead of failing on AlreadyExists), the peers' addresses in
 * every worker's environment, and `replicas` workers per group: Pods in embedded mode (replaced when they end or
 * their spec changes), Deployments on a real cluster, counted by availableReplicas.
 */
import type { WorkerEnv } from '@sedna/api/contracts';
import type { KubeObject, NodeCondition, PodTemplateSpec } from '@sedna/api';
import type { KindReader, ObjectCache } from '../../runtime/cache.js';
import { isNotFound, type ObjectClient } from '../../runtime/client.js';
import { recordEvent } from '../../runtime/events.js';
import type { ObjectOf } from '../../runtime/kinds.js';
import { ROLE_LABEL } from '../../nodes/node-lifecycle.js';
import type { Addressing, AddressingFor, ServiceEndpoint } from '../../workers/addressing.js';
import { assertOwned, createOwned } from '../../workers/create-owned.js';
import { nameLabelValue, serviceName } from '../../workers/names.js';
import { buildWorkerPod, controllerRef, specHash, workerLabels } from '../../workers/worker-pod.js';
import { syncWorkerDeployment } from '../../workers/worker-deployment.js';
import { brokerEnv } from './broker.js';
import { ensureReplicas, servesPerReplica } from './replicas.js';
import type { WorkerGroup } from './worker-groups.js';

/** What a multi-edge controller is made with. */
export interface MultiEdgeControllerDeps {
  cache: ObjectCache;
  client: ObjectClient;
  addressing: AddressingFor;
  /** Kubernetes mode: long-running groups are Deployments. */
  deployments: boolean;
  /** The control plane's broker (GM configuration `broker.url`), given to kafkaSupport workers whose template names none. */
  brokerUrl?: string;
}

/** The readers and helpers of one multi-edge controller, from its cache. */
export interface MultiEdgeDeps {
  pods: KindReader<'Pod'>;
  services: KindReader<'Service'>;
  nodes: KindReader<'Node'>;
  models: KindReader<'Model'>;
  /** Kubernetes mode only. */
  deployments?: KindReader<'Deployment'>;
  client: ObjectClient;
  addressing: Addressing;
  brokerUrl?: string;
}

export function multiEdgeDeps({ cache, client, addressing, deployments, brokerUrl }: MultiEdgeControllerDeps): MultiEdgeDeps {
  return {
    pods: cache.of('Pod'),
    services: cache.of('Service'),
    nodes: cache.of('Node'),
    models: cache.of('Model'),
    ...(deployments ? { deployments: cache.of('Deployment') } : {}),
    client,
    addressing: addressing(cache),
    ...(brokerUrl ? { brokerUrl } : {}),
  };
}

export interface GroupCounts {
  active: number;
  failed: number;
  succeeded: number;
}

function isReady(node: ObjectOf<'Node'>): boolean {
  const conditions: NodeCondition[] = node.status?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

export class MultiEdgeWorkers {
  constructor(private readonly deps: MultiEdgeDeps) {}

  get embedded(): boolean {
    return this.deps.addressing.embedded;
  }

  /**
   * Embedded mode has no scheduler: the template's node, else the first Ready node its nodeSelector matches (every
   * node carries kubernetes.io/hostname implicitly), else the first Ready node of the role.
   */
  placement(template: PodTemplateSpec, defaultRole: 'cloud' | 'edge'): string | undefined {
    if (template.spec.nodeName) return template.spec.nodeName;
    const selector = template.spec.nodeSelector ?? {};
    const ready = this.deps.nodes.list().filter(isReady).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    const bySelector = Object.keys(selector).length > 0 ? ready.find((n) => Object.entries(selector).every(([k, v]) => ({ 'kubernetes.io/hostname': n.metadata.name, ...n.metadata.labels })[k] === v)) : undefined;
    return (bySelector ?? ready.find((n) => n.metadata.labels?.[ROLE_LABEL] === defaultRole))?.metadata.name;
  }

  /**
   * The Service of each listening group and the addresses its clients use, one per replica that serves on its own
   * port (./replicas.ts), else one; empty while its node has no address.
   */
  async ensureServices(owner: KubeObject, groups: WorkerGroup[]): Promise<Map<string, ServiceEndpoint[]>> {
    const endpoints = new Map<string, ServiceEndpoint[]>();
    for (const group of groups) {
      if (!group.service) continue;
      const service = await this.ensureService(owner, group);
      const node = this.embedded ? this.placement(group.template, group.defaultRole) : undefined;
      endpoints.set(group.service.suffix, servesPerReplica(group, this.embedded) ? this.deps.addressing.endpoints(service, node) : [this.deps.addressing.endpoint(service, node)].filter((e) => e !== undefined));
    }
    return endpoints;
  }

  private async ensureService(owner: KubeObject, group: WorkerGroup): Promise<ObjectOf<'Service'>> {
    const svc = group.service!;
    const name = serviceName(owner.metadata.name!, svc.suffix);
    const namespace = owner.metadata.namespace!;
    const found = this.deps.services.get(name, namespace);
    const existing = found && (await assertOwned(this.deps.client, owner, found));
    const replicas = servesPerReplica(group, this.embedded) ? group.replicas : 1;
    if (existing) {
      // More replicas than node ports: each new one gets its own (those there keep theirs: clients were told them).
      const ports = (existing.spec.ports ?? []).length;
      if (ports >= replicas) return existing;
      return this.deps.client.mergePatch('Service', namespace, name, { spec: this.deps.addressing.serviceSpec(svc.port, existing, replicas) });
    }
    const labels = workerLabels(owner, group.workerType);
    const { object } = await createOwned(this.deps.client, owner, 'Service', {
      metadata: { name, namespace, labels: { 'app.sedna.io': nameLabelValue(`${owner.metadata.name}-${svc.suffix}-svc`) }, ownerReferences: [controllerRef(owner)] },
      spec: { ...this.deps.addressing.serviceSpec(svc.port, undefined, replicas), selector: labels },
    });
    return object;
  }

  /** Why the groups' workers cannot start for want of a broker (./broker.ts), or undefined. */
  missingBroker(groups: WorkerGroup[]): string | undefined {
    for (const group of groups) {
      const broker = brokerEnv(group, this.deps.brokerUrl);
      if ('missing' in broker) return broker.missing;
    }
    return undefined;
  }

  /**
   * The environment a group's worker gets: the group's own, NAMESPACE, LC_SERVER, the broker, how to reach each
   * service (every replica's address too where each serves on its own port), and for a serving worker the port of
   * its `replica`.
   */
  envFor(owner: KubeObject, group: WorkerGroup, node: string | undefined, endpoints: Map<string, ServiceEndpoint[]>, groups: WorkerGroup[], replica = 0): WorkerEnv {
    const broker = brokerEnv(group, this.deps.brokerUrl);
    const env: WorkerEnv = { NAMESPACE: owner.metadata.namespace!, ...group.env, ...('env' in broker ? broker.env : {}), LC_SERVER: this.deps.addressing.lcServer(node) };
    for (const other of groups) {
      const svc = other.service;
      const all = svc ? (endpoints.get(svc.suffix) ?? []) : [];
      const endpoint = all[0];
      if (!svc || !endpoint) continue;
      if (other === group) {
        if (svc.bindEnv) {
          // Embedded: its node's address, where the others are sent (as the other kinds' serving workers bind), not
          // every interface: another control plane on the machine may serve its own node port on another address.
          // On a cluster: every interface of the pod's own network.
          const own = all[replica] ?? endpoint;
          env[svc.bindEnv.host] = own.bindHost ?? '0.0.0.0';
          env[svc.bindEnv.port] = String(own.bindPort);
        }
        continue;
      }
      if (group.noPeerEnv) continue;
      if (svc.bindEnv) {
        env[svc.bindEnv.host] = endpoint.host;
        env[svc.bindEnv.port] = String(endpoint.port);
      }
      if (svc.urlEnv) env[svc.urlEnv] = `${endpoint.host}:${endpoint.port}`;
      if (svc.replicaUrlsEnv && all.length > 1) env[svc.replicaUrlsEnv] = all.map((e) => `${e.host}:${e.port}`).join(',');
    }
    return env;
  }

  /** Makes `replicas` workers of the group run the current spec; returns their counts. `envOf(replica)`: each one's env. */
  async ensureGroup(owner: KubeObject, group: WorkerGroup, envOf: (replica: number) => WorkerEnv): Promise<GroupCounts> {
    if (this.deps.deployments && group.deployment) return this.ensureDeployment(owner, group, envOf(0));
    return ensureReplicas(this, this.deps, owner, group, envOf);
  }

  /** Kubernetes mode: the original's Deployment, its replicas and template kept up to date; available replicas count as active. */
  private async ensureDeployment(owner: KubeObject, group: WorkerGroup, env: WorkerEnv): Promise<GroupCounts> {
    const namespace = owner.metadata.namespace!;
    const name = group.deployment!;
    // A stable WORKER_NAME: a random one would change the template on every reconcile.
    const stableName = `${group.workerNamePrefix ?? group.workerType}worker-${specHash(owner.metadata.uid).slice(0, 5)}`;
    const pod = buildWorkerPod({ owner, workerType: group.workerType, template: group.template, env: { ...env, WORKER_NAME: stableName }, restartPolicy: 'Always', hashOf: { template: group.template, env } });
    const existing = this.deps.deployments!.get(name, namespace);
    const change = await syncWorkerDeployment(this.deps.client, existing, { owner, workerType: group.workerType, name, pod, replicas: group.replicas, keepReplicas: true });
    if (change === 'created') await recordEvent(this.deps.client, owner, 'Normal', 'WorkerCreated', `created the ${group.workerType} deployment ${name}`);
    if (!existing) return { active: 0, failed: 0, succeeded: 0 };
    const status = existing.status ?? {};
    const failure = (status.conditions ?? []).some((c) => c.type === 'ReplicaFailure' && c.status === 'True');
    return { active: Math.min(status.availableReplicas ?? 0, group.replicas), failed: failure ? 1 : 0, succeeded: 0 };
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    await this.deps.client.delete('Pod', namespace, name).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}
