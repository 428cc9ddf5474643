/**
 * References between objects (a job naming a Dataset, a Model or a node) are checked by the controllers, as on
 * Kubernetes: the API server accepts a job whose references do not exist yet, so `kubectl apply -f dir/` works in
 * any file order; the controller reports what is missing in a condition until it appears, and a change of the
 * referenced object reconciles the jobs that name it (referenceWatches).
 */
import { findKind, type KubeObject, type ObjectRef } from '@sedna/api';
import type { ObjectCache } from '../runtime/cache.js';
import { keyOf, type ObjectKey, type Watch, watch } from '../runtime/controller.js';
import type { KindName } from '../runtime/kinds.js';

export interface MissingReferences {
  /** DatasetNotFound, ModelNotFound or NodeNotFound: the first missing one's. */
  reason: string;
  /** Every missing reference with the field that names it. */
  message: string;
}

const KIND_OF = { datasets: 'Dataset', models: 'Model', nodes: 'Node' } as const satisfies Record<ObjectRef['resource'], KindName>;
const RESOURCES: readonly ObjectRef['resource'][] = ['datasets', 'models', 'nodes'];

export class References {
  /** `cache`: the controller's, which must watch Dataset, Model and Node (referenceWatches). */
  constructor(private readonly cache: ObjectCache) {
    for (const kind of Object.values(KIND_OF)) cache.of(kind);
  }

  /** The references of `obj` (by its kind's declaration in @sedna/api) that name nothing. */
  missing(obj: KubeObject): ObjectRef[] {
    const def = findKind(obj.kind);
    if (!def?.references) return [];
    return def.references(obj).filter((ref) => !this.cache.get(KIND_OF[ref.resource], ref.name, obj.metadata.namespace));
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
}

/** Watches that reconcile the objects of `kind` naming a dataset, model or node when that object changes or appears. */
export function referenceWatches(kind: KindName): Watch[] {
  return RESOURCES.map((resource) =>
    watch(KIND_OF[resource], (target, cache): ObjectKey[] =>
      cache
        .list(kind, resource === 'nodes' ? undefined : target.metadata.namespace)
        .filter((obj) => findKind(obj.kind)?.references?.(obj).some((ref) => ref.resource === resource && ref.name === target.metadata.name) ?? false)
        .map(keyOf),
    ),
  );
}
