/**
 * The Pods of a group that is not a Deployment (every group in embedded mode, the tracking workers on a cluster):
 * one per replica index, named `<owner>-<group>-<index>`, so that creates are idempotent (a lagging cache or a
 * restarted GM meets AlreadyExists and adopts the Pod: ../../workers/create-owned.ts). An outdated or ended Pod is
 * replaced under the same name: deleted, then created again once it is gone (its removal queues the owner). A
 * replica serving on a port must have let go of it before its successor binds it, so the two never overlap.
 *
 * Replicas that each serve on a port of their own: in embedded mode there is no kube-proxy, so replicas on one node
 * cannot share the Service's one node port (the second would fail to bind); a group whose clients spread over the
 * replicas themselves (`service.replicaUrlsEnv`, e.g. EDGEMESH_URLS for the ReID workers of ObjectSearch/
 * ObjectTracking) gets a node port per replica: replica i binds the Service's i-th port and the clients get every
 * replica's address. On a cluster the Service spreads the connections.
 */
import type { KubeObject, PodTemplateSpec } from '@sedna/api';
import type { WorkerEnv } from '@sedna/api/contracts';
import { recordEvent } from '../../runtime/events.js';
import { createOwned } from '../../workers/create-owned.js';
import { workerPodName } from '../../workers/names.js';
import { buildWorkerPod, isActive, isWorkerOf, podPhase, SPEC_HASH_ANNOTATION, specHash, stableWorkerName } from '../../workers/worker-pod.js';
import type { WorkerGroup } from './worker-groups.js';
import type { GroupCounts, MultiEdgeDeps, MultiEdgeWorkers } from './workers.js';

export const REPLICA_LABEL = 'multiedge.sedna.io/replica';

/** Whether the group's replicas serve on ports of their own (embedded mode, clients that spread, several replicas). */
export function servesPerReplica(group: WorkerGroup, embedded: boolean): boolean {
  return embedded && group.replicas > 1 && Boolean(group.service?.replicaUrlsEnv);
}

const replicaOf = (pod: KubeObject): number => Number(pod.metadata.labels?.[REPLICA_LABEL] ?? -1);

/** One pod per replica index, each with its own env (its port); outdated, ended and surplus pods replaced or removed. */
export async function ensureReplicas(workers: MultiEdgeWorkers, deps: MultiEdgeDeps, owner: KubeObject, group: WorkerGroup, envOf: (replica: number) => WorkerEnv): Promise<GroupCounts> {
  const namespace = owner.metadata.namespace!;
  const node = workers.embedded ? workers.placement(group.template, group.defaultRole) : undefined;
  const template: PodTemplateSpec = node ? { ...group.template, spec: { ...group.template.spec, nodeName: node } } : group.template;
  const all = deps.pods.list(namespace).filter((p) => isWorkerOf(p, owner, group.workerType));
  const pods = all.filter((p) => !p.metadata.deletionTimestamp);
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
  if (workers.embedded && !node) return counts; // no Ready node for it yet
  for (let i = 0; i < group.replicas; i++) {
    if (kept.has(i)) continue;
    const name = workerPodName(owner.metadata.name!, group.workerType, i);
    if (all.some((p) => p.metadata.name === name && p.metadata.deletionTimestamp)) continue; // still ending
    const env = envOf(i);
    const workerName = stableWorkerName(group.workerNamePrefix ?? group.workerType, owner, { group: group.workerType, replica: i, hash: wanted[i] });
    const pod = buildWorkerPod({ owner, workerType: group.workerType, template, env: { ...env, WORKER_NAME: workerName }, restartPolicy: 'Always', hashOf: { template, env }, name });
    const { created } = await createOwned(deps.client, owner, 'Pod', { ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, [REPLICA_LABEL]: String(i) } } });
    if (created) await recordEvent(deps.client, owner, 'Normal', 'WorkerCreated', `created the ${group.workerType} worker ${name} (replica ${i})${node ? ` on ${node}` : ''}`);
  }
  return counts;
}
