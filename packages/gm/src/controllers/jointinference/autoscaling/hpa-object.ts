/**
 * Kubernetes mode: a joint inference worker with `hpa` gets a HorizontalPodAutoscaler (autoscaling/v2) named
 * `hpa-<deployment>` that scales its Deployment, as the original's GM does; the kube-controller-manager runs it.
 * A spec change updates it, removing `hpa` deletes it. Labels and owner as the worker's Deployment.
 */
import type { KubeObject } from '@sedna/api';
import { isNotFound, type ObjectClient } from '../../../runtime/client.js';
import type { NewObjectOf } from '../../../runtime/kinds.js';
import { recordEvent } from '../../../runtime/events.js';
import { controllerRef, workerLabels } from '../../../workers/worker-pod.js';

export interface HpaSpec {
  minReplicas?: number;
  maxReplicas: number;
  metrics?: Record<string, unknown>[];
  behavior?: Record<string, unknown>;
}

export function hpaName(deploymentName: string): string {
  return `hpa-${deploymentName}`;
}

export function hpaObject(owner: KubeObject, workerType: 'cloud' | 'edge', deploymentName: string, hpa: HpaSpec): NewObjectOf<'HorizontalPodAutoscaler'> {
  return {
    metadata: { name: hpaName(deploymentName), namespace: owner.metadata.namespace!, labels: workerLabels(owner, workerType), ownerReferences: [controllerRef(owner)] },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deploymentName },
      ...(hpa.minReplicas !== undefined ? { minReplicas: hpa.minReplicas } : {}),
      maxReplicas: hpa.maxReplicas,
      ...(hpa.metrics ? { metrics: hpa.metrics } : {}),
      ...(hpa.behavior ? { behavior: hpa.behavior } : {}),
    },
  };
}

/** Makes the worker's HPA match `hpa` (absent: no HPA). */
export async function syncHpa(client: ObjectClient, owner: KubeObject, workerType: 'cloud' | 'edge', deploymentName: string, hpa: HpaSpec | undefined): Promise<void> {
  const namespace = owner.metadata.namespace!;
  const name = hpaName(deploymentName);
  const existing = await client.get('HorizontalPodAutoscaler', namespace, name).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  if (!hpa) {
    if (!existing) return;
    await client.delete('HorizontalPodAutoscaler', namespace, name).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    await recordEvent(client, owner, 'Normal', 'HpaDeleted', `deleted the ${workerType} worker's autoscaler ${name}`);
    return;
  }
  const desired = hpaObject(owner, workerType, deploymentName, hpa);
  if (!existing) {
    await client.create('HorizontalPodAutoscaler', namespace, desired);
    await recordEvent(client, owner, 'Normal', 'HpaCreated', `created the autoscaler ${name} for the ${workerType} worker (${hpa.minReplicas ?? 1}-${hpa.maxReplicas} replicas)`);
    return;
  }
  if (JSON.stringify(existing.spec) === JSON.stringify(desired.spec)) return;
  // A whole replacement of the spec: fields the user removed from `hpa` go too.
  await client.replace('HorizontalPodAutoscaler', namespace, name, { ...existing, spec: desired.spec });
  await recordEvent(client, owner, 'Normal', 'HpaUpdated', `updated the autoscaler ${name} of the ${workerType} worker`);
}
