/**
 * Kubernetes mode: a long-running worker as the original's Deployment (joint inference, the multi-edge services),
 * its Pod template made by buildWorkerPod and kept up to date by its spec hash.
 */
import type { KubeObject } from '@sedna/api';
import type { ObjectClient } from '../runtime/client.js';
import type { NewObjectOf, ObjectOf } from '../runtime/kinds.js';
import { nameLabelValue } from './names.js';
import { SPEC_HASH_ANNOTATION, workerLabels } from './worker-pod.js';

export interface WorkerDeployment {
  owner: KubeObject;
  workerType: string;
  name: string;
  /** The worker's Pod as buildWorkerPod makes it: its metadata and spec become the Deployment's template. */
  pod: NewObjectOf<'Pod'>;
  replicas: number;
  /** Keep the replicas at `replicas`; false when an autoscaler owns them after the first create. */
  keepReplicas: boolean;
}

/** What syncWorkerDeployment did. */
export type DeploymentChange = 'created' | 'updated' | 'current';

/** Creates the Deployment, or updates its template (and replicas) when the worker's spec changed. */
export async function syncWorkerDeployment(client: ObjectClient, existing: ObjectOf<'Deployment'> | undefined, d: WorkerDeployment): Promise<DeploymentChange> {
  const namespace = d.owner.metadata.namespace!;
  const selectorLabels = workerLabels(d.owner, d.workerType);
  const { labels = {}, annotations = {}, ownerReferences = [] } = d.pod.metadata;
  const template = { metadata: { labels, annotations }, spec: d.pod.spec };
  if (!existing) {
    const metadata = { name: d.name, namespace, labels: { ...selectorLabels, 'app.sedna.io': nameLabelValue(`${d.owner.metadata.name}-${d.workerType}-svc`) }, ownerReferences };
    await client.create('Deployment', namespace, { metadata, spec: { replicas: d.replicas, selector: { matchLabels: selectorLabels }, template } });
    return 'created';
  }
  const outdated = existing.spec.template.metadata?.annotations?.[SPEC_HASH_ANNOTATION] !== annotations[SPEC_HASH_ANNOTATION];
  const rescale = d.keepReplicas && existing.spec.replicas !== d.replicas;
  if (!outdated && !rescale) return 'current';
  await client.mergePatch('Deployment', namespace, d.name, { spec: { ...(d.keepReplicas ? { replicas: d.replicas } : {}), template } });
  return 'updated';
}
