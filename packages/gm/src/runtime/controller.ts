/**
 * Level-triggered controllers in the manner of controller-runtime: a controller names the kinds it watches and
 * how a change maps to the keys of objects it reconciles; `reconcile(key)` reads the current state from the
 * caches, makes the world match the spec, and is safe to run any number of times.
 */
import type { KubeObject } from '@sedna/api';
import type { ResourceInformer } from './informer.js';

export interface ReconcileResult {
  /** Run again after this delay even without a change (for time-based work). */
  requeueAfterMs?: number;
}

/** `namespace/name` (or `name` for cluster-scoped objects). */
export type ObjectKey = string;

export function keyOf(obj: KubeObject): ObjectKey {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name ?? '';
}

export function splitKey(key: ObjectKey): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export interface Watched {
  informer: ResourceInformer;
  /** Keys of the controller's objects that a change of `obj` concerns (itself, or its owner). */
  map: (obj: KubeObject) => ObjectKey[];
}

export interface Controller {
  readonly name: string;
  watches(): Watched[];
  reconcile(key: ObjectKey): Promise<ReconcileResult | void>;
}

/** Maps an owned object (a Pod, a Service) to its controlling owner of `kind`. */
export function ownerKeys(kind: string): (obj: KubeObject) => ObjectKey[] {
  return (obj) =>
    (obj.metadata.ownerReferences ?? [])
      .filter((r) => r.kind === kind && r.controller)
      .map((r) => (obj.metadata.namespace ? `${obj.metadata.namespace}/${r.name}` : r.name));
}

export const self = (obj: KubeObject): ObjectKey[] => [keyOf(obj)];
