/**
 * References between objects (a job naming a Dataset, a Model or a node) are checked by the controllers, as on
 * Kubernetes: the API server accepts a job whose references do not exist yet, so `kubectl apply -f dir/` works in
 * any file order; the controller reports what is missing in a condition until it appears, and a change of the
 * referenced object reconciles the jobs that name it.
 */
import { findKind, type KubeObject, type ObjectRef } from '@sedna/api';
import type { ObjectKey, Watched } from '../runtime/controller.js';
import type { ResourceInformer } from '../runtime/informer.js';

export interface MissingReferences {
  /** DatasetNotFound, ModelNotFound or NodeNotFound: the first missing one's. */
  reason: string;
  /** Every missing reference with the field that names it. */
  message: string;
}

const KIND_OF: Record<ObjectRef['resource'], string> = { datasets: 'Dataset', models: 'Model', nodes: 'Node' };

export class References {
  constructor(private readonly informers: Record<ObjectRef['resource'], ResourceInformer>) {}

  /** The references of `obj` (by its kind's declaration in @sedna/api) that name nothing. */
  missing(obj: KubeObject): ObjectRef[] {
    const def = findKind(obj.kind);
    if (!def?.references) return [];
    return def.references(obj).filter((ref) => !this.informers[ref.resource].get(ref.name, ref.resource === 'nodes' ? undefined : obj.metadata.namespace));
  }

  /** What a condition says about the missing references of `obj`, or undefined when all exist. */
  check(obj: KubeObject): MissingReferences | undefined {
    const missing = this.missing(obj);
    if (missing.length === 0) return undefined;
    return {
      reason: `${KIND_OF[missing[0]!.resource]}NotFound`,
      message: `waiting for ${missing.map((ref) => `${KIND_OF[ref.resource].toLowerCase()} ${JSON.stringify(ref.name)} (${ref.field})`).join(', ')}: not found`,
    };
  }

  /** Watches that reconcile the `jobs` naming a dataset, model or node when that object changes or appears. */
  watches(jobs: ResourceInformer): Watched[] {
    return (Object.keys(this.informers) as ObjectRef['resource'][]).map((resource) => ({
      informer: this.informers[resource],
      map: (target: KubeObject): ObjectKey[] =>
        jobs
          .list(resource === 'nodes' ? undefined : target.metadata.namespace)
          .filter((job) => {
            const def = findKind(job.kind);
            return def?.references?.(job).some((ref) => ref.resource === resource && ref.name === target.metadata.name) ?? false;
          })
          .map((job) => `${job.metadata.namespace}/${job.metadata.name}`),
    }));
  }
}
