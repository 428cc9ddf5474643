/**
 * Which node may report on which object: every upstream message is checked against the GM's caches before its
 * handler runs, so that a node (or whoever holds its credential) cannot write the status of another node's objects.
 * - a Pod: the pod is bound to the node;
 * - a Dataset: the dataset is on the node (spec.nodeName);
 * - a job (joint inference, federated, incremental, lifelong learning): one of the job's pods runs on the node, or
 *   (stage jobs) the job's dataset is there, whose LC runs its triggers; or the job names the node for a stage.
 * An object the GM does not know is left to its handler (which refuses or ignores it as before).
 */
import type { UpstreamMessage } from '@sedna/api';
import type { KindReader } from '../runtime/cache.js';
import type { ObjectOf, SednaKindName } from '../runtime/kinds.js';

export interface OwnershipCaches {
  pods: KindReader<'Pod'>;
  datasets: KindReader<'Dataset'>;
  /** The job readers by resourceKind (`federatedlearningjob`...). */
  jobs: Record<string, KindReader<SednaKindName>>;
}

export class NotOwnedByNode extends Error {
  override readonly name = 'NotOwnedByNode';
}

function nodeNameOf(obj: ObjectOf<'Pod'> | ObjectOf<'Dataset'>): string | undefined {
  return obj.spec.nodeName;
}

/** The dataset a job trains on (incremental and lifelong learning), whose node runs the job's triggers. */
function datasetNameOf(job: ObjectOf<SednaKindName>): string | undefined {
  return 'dataset' in job.spec ? job.spec.dataset.name : undefined;
}

function ownedBy(pod: ObjectOf<'Pod'>, owner: ObjectOf<SednaKindName>): boolean {
  return (pod.metadata.ownerReferences ?? []).some((ref) => ref.uid === owner.metadata.uid);
}

/** Throws NotOwnedByNode, naming the object and the node, when `node` may not report on the message's object. */
export function checkOwnership(caches: OwnershipCaches, node: string, message: UpstreamMessage): void {
  const { resourceKind, namespace, resourceName } = message.header;
  const refuse = (why: string): never => {
    throw new NotOwnedByNode(`node ${node} may not report on ${resourceKind} ${namespace}/${resourceName}: ${why}`);
  };
  if (resourceKind === 'pod') {
    const pod = caches.pods.get(resourceName, namespace);
    if (pod && nodeNameOf(pod) !== node) refuse(`the pod is bound to ${nodeNameOf(pod) ?? 'no node'}`);
    return;
  }
  if (resourceKind === 'dataset') {
    const dataset = caches.datasets.get(resourceName, namespace);
    if (dataset && nodeNameOf(dataset) !== node) refuse(`the dataset is on ${nodeNameOf(dataset) ?? 'no node'}`);
    return;
  }
  const jobs = caches.jobs[resourceKind];
  if (!jobs) return;
  const job = jobs.get(resourceName, namespace);
  if (!job) return;
  if (caches.pods.list(namespace).some((pod) => ownedBy(pod, job) && nodeNameOf(pod) === node)) return;
  const datasetName = datasetNameOf(job);
  const dataset = datasetName ? caches.datasets.get(datasetName, namespace) : undefined;
  if (dataset && nodeNameOf(dataset) === node) return;
  if (Object.entries(job.metadata.annotations ?? {}).some(([key, value]) => /^sedna\.io\/(Train|Eval|Deploy)$/.test(key) && value === node)) return;
  refuse('none of the job\'s workers runs there and its dataset is elsewhere');
}
