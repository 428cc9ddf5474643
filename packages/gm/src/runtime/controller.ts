/**
 * Level-triggered controllers in the manner of controller-runtime. A controller declares what it reconciles
 * (`for`), the kinds it creates and owns (`owns`: a change maps to the controlling owner by ownerReferences) and the
 * other kinds it reads (`watches`, each with a function from a changed object to the keys to reconcile); the
 * manager's builder derives the informers and the mappings from that declaration and gives the controller a cache
 * of exactly those kinds. `reconcile(key)` reads the current state from that cache, makes the world match the spec,
 * and is safe to run any number of times. It returns `{ requeueAfterMs }` to run again later, throws to be retried
 * with backoff, or throws a `TerminalError` for what no retry can fix.
 */
import type { KubeObject } from '@sedna/api';
import type { ReconcileResult } from '@sedna/api/runtime';
import type { ObjectCache } from './cache.js';
import type { AnyObject, KindName, ObjectOf } from './kinds.js';

export { TerminalError, type ReconcileResult } from '@sedna/api/runtime';

/** `namespace/name` (or `name` for cluster-scoped objects). */
export type ObjectKey = string;

export function keyOf(obj: KubeObject): ObjectKey {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name ?? '';
}

export function splitKey(key: ObjectKey): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** Another kind a controller reads, and which of its own objects a change of one concerns. */
export interface Watch<K extends KindName = KindName> {
  kind: K;
  /** Keys of the controller's objects that a change of `obj` concerns; `cache` is the controller's. */
  map(obj: ObjectOf<K>, cache: ObjectCache): ObjectKey[];
}

/** A watch with its object typed by kind. */
export function watch<K extends KindName>(kind: K, map: (obj: ObjectOf<K>, cache: ObjectCache) => ObjectKey[]): Watch {
  return { kind, map: map as Watch['map'] };
}

export interface ControllerDeclaration {
  /** The controller's name: its queue, its metrics label, its log lines. */
  name: string;
  /** The kind it reconciles: a change of one queues its own key. */
  for: KindName;
  /** Only objects of `for` that pass (the scheduler: pods not bound yet); all when absent. */
  forFilter?: (obj: AnyObject) => boolean;
  /**
   * Whether an update of a `for` object concerns it (the dataset controller: its spec, annotations or deletion, not
   * the status its node reports twice a second); every update when absent. Adds and deletes always do.
   */
  forUpdated?: (old: AnyObject, obj: AnyObject) => boolean;
  /** Kinds it creates with a controller ownerReference to its object: a change queues the owner's key. */
  owns?: readonly KindName[];
  /** Other kinds it reads. */
  watches?: readonly Watch[];
}

export interface Reconciler {
  reconcile(key: ObjectKey): Promise<ReconcileResult | void>;
}

/** Every kind a declaration reads, `for` first. */
export function declaredKinds(declaration: ControllerDeclaration): KindName[] {
  return [...new Set<KindName>([declaration.for, ...(declaration.owns ?? []), ...(declaration.watches ?? []).map((w) => w.kind)])];
}

/** Maps an owned object (a Pod, a Service) to its controlling owner of `kind`. */
export function ownerKeys(kind: string): (obj: KubeObject) => ObjectKey[] {
  return (obj) =>
    (obj.metadata.ownerReferences ?? [])
      .filter((r) => r.kind === kind && r.controller)
      .map((r) => (obj.metadata.namespace ? `${obj.metadata.namespace}/${r.name}` : r.name));
}

export const self = (obj: KubeObject): ObjectKey[] => [keyOf(obj)];

/** Keys of the objects of `kind` in `obj`'s namespace that `names` says name it (a job naming a dataset). */
export function keysNaming<K extends KindName>(kind: K, cache: ObjectCache, namespace: string | undefined, names: (owner: ObjectOf<K>) => readonly string[], target: string): ObjectKey[] {
  return cache
    .list(kind, namespace)
    .filter((o) => names(o).includes(target))
    .map(keyOf);
}
