/**
 * Replicas of a listening group that each serve on a port of their own. In embedded mode there is no kube-proxy:
 * replicas on one node cannot share the Service's one node port (the second would fail to bind), so a group whose
 * clients spread over the replicas themselves (`service.replicaUrlsEnv`, e.g. EDGEMESH_URLS for the ReID workers of
 * ObjectSearch/ObjectTracking) gets a node port per replica: replica i binds the Service's i-th port, its pod carries
 * the replica label, and the clients get every replica's address. On a cluster the Service spreads the connections.
 */
import type { KubeObject, PodTemplateSpec } from '@sedna/api';
import { recordEvent } from '../../runtime/events.js';
import { buildWorkerPod, isActive, isWorkerOf, podPhase, SPEC_HASH_ANNOTATION, specHash, workerName } from '../../workers/worker-pod.js';
import type { WorkerGroup } from './worker-groups.js';
import type { GroupCounts, MultiEdgeDeps, MultiEdgeWorkers } from './workers.js';

export const REPLICA_LABEL = 'multiedge.sedna.io/replica';

/** Whether the group's replicas serve on ports of their own (embedded mode, clients that spread, several replicas). */
export function servesPerReplica(group: WorkerGroup, embedded: boolean): boolean {
  return embedded && group.replicas > 1 && Boolean(group.service?.replicaUrlsEnv);
}

const replicaOf = (pod: KubeObject): number => Number(pod.metadata.labels?.[REPLICA_LABEL] ?? -1);

/** One pod per replica index, each with its own env (its port); outdated, ended and surplus pods replaced or removed. */
export async function ensureReplicas(workers: MultiEdgeWorkers, deps: MultiEdgeDeps, owner: KubeObject, group: WorkerGroup, envOf: (replica: number) => Record<string, string>): Promise<GroupCounts> {
  const namespace = owner.metadata.namespace!;
  const node = workers.placement(group.template, group.defaultRole);
  const template: PodTemplateSpec = node ? { ...group.template, spec: { ...group.template.spec, nodeName: node } } : group.template;
  const pods = deps.pods.list(namespace).filter((p) => isWorkerOf(p, owner, group.workerType) && !p.metadata.deletionTimestamp);
  const counts: GroupCounts = { active: 0, failed: pods.filter((p) => podPhase(p) === 'Failed').length, succeeded: 0 };
  const kept = new Set<number>();
  const wanted = Array.from({ length: group.replicas }, (_, i) => specHash({ template, env: envOf(i) }));
  for (const pod of pods) {
    const replica = replicaOf(pod);
    const upToDate = replica >= 0 && replica < group.replicas && pod.metadata.annotations?.[SPEC_HASH_ANNOTATION] === wanted[replica];
    if (upToDate && isActive(pod) && !kept.has(replica)) {
      kept.add(replica);
      if (podPhase(pod) === 'Running') counts.active++;
      continue;
    }
    await workers.deletePod(namespace, pod.metadata.name!);
    if (!upToDate) await recordEvent(deps.client, owner, 'Normal', 'WorkerUpdated', `the ${group.workerType} worker ${pod.metadata.name} is replaced to apply the new spec`);
    else if (!isActive(pod)) await recordEvent(deps.client, owner, 'Warning', 'WorkerEnded', `the ${group.workerType} worker ${pod.metadata.name} ended (${podPhase(pod)}); starting another`);
  }
  if (!node) return counts; // no Ready node for it yet
  for (let i = 0; i < group.replicas; i++) {
    if (kept.has(i)) continue;
    const env = envOf(i);
    const pod = buildWorkerPod({ owner, workerType: group.workerType, template, env: { ...env, WORKER_NAME: workerName(group.workerNamePrefix ?? group.workerType) }, restartPolicy: 'Always', hashOf: { template, env } });
    const created = await deps.client.create('Pod', namespace, { ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, [REPLICA_LABEL]: String(i) } } });
    await recordEvent(deps.client, owner, 'Normal', 'WorkerCreated', `created the ${group.workerType} worker ${created.metadata.name} (replica ${i}) on ${node}`);
  }
  return counts;
}
