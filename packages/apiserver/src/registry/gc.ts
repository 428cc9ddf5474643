/**
 * Background garbage collection by owner references, as Kubernetes' garbage collector does it: when every owner
 * an object names is gone, the object is deleted; an owner deleted with the Foreground policy waits (finalizer
 * `foregroundDeletion`) until its dependents are gone. Runs after each change, off the request path, and once
 * at start for dependents whose owners vanished while the server was down.
 */
import { findKindByResource, type KubeObject } from '@sedna/api';
import type { ChangeEvent, Store } from '../storage/store.js';
import type { Registry } from './registry.js';

interface Located {
  resource: string;
  namespace: string;
  name: string;
}

const FOREGROUND = 'foregroundDeletion';

export class GarbageCollector {
  private readonly byUid = new Map<string, Located>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly pending = new Set<string>();
  private scheduled = false;
  private unsubscribe?: () => void;

  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
  ) {}

  start(): void {
    for (const resource of this.store.resources()) {
      for (const stored of this.store.list(resource)) this.track(resource, stored.object);
    }
    this.unsubscribe = this.store.subscribe((e) => this.onChange(e));
    // Sweep: owners that vanished while we were down, and foreground deletions in progress.
    for (const [uid, loc] of this.byUid) {
      const obj = this.store.get(loc.resource, loc.namespace, loc.name)?.object;
      if (obj?.metadata.ownerReferences?.length || obj?.metadata.finalizers?.includes(FOREGROUND)) this.pending.add(uid);
    }
    this.schedule();
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private track(resource: string, obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    this.byUid.set(uid, { resource, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' });
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (!set) this.dependents.set(ref.uid, (set = new Set()));
      set.add(uid);
    }
  }

  private onChange(e: ChangeEvent): void {
    const uid = e.object.metadata.uid;
    if (!uid) return;
    // Owner references may change on update: drop the old links first.
    for (const ref of e.previous?.metadata.ownerReferences ?? []) this.dependents.get(ref.uid)?.delete(uid);
    if (e.type === 'DELETED') {
      this.byUid.delete(uid);
      for (const ref of e.object.metadata.ownerReferences ?? []) {
        this.dependents.get(ref.uid)?.delete(uid);
        this.pending.add(ref.uid); // an owner in foreground deletion may now be free to go
      }
      for (const dependent of this.dependents.get(uid) ?? []) this.pending.add(dependent);
    } else {
      this.track(e.resource, e.object);
      if (e.object.metadata.finalizers?.includes(FOREGROUND) && e.object.metadata.deletionTimestamp) {
        this.pending.add(uid);
        for (const dependent of this.dependents.get(uid) ?? []) this.pending.add(dependent);
      }
      if (e.object.metadata.ownerReferences?.some((r) => !this.byUid.has(r.uid))) this.pending.add(uid);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.pending.size === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = [...this.pending];
      this.pending.clear();
      for (const uid of batch) {
        try {
          this.process(uid);
        } catch (err) {
          console.error(`garbage collector: ${uid}:`, err instanceof Error ? err.message : err);
        }
      }
      this.schedule();
    });
  }

  private isLive(uid: string): boolean {
    const loc = this.byUid.get(uid);
    if (!loc) return false;
    const obj = this.store.get(loc.resource, loc.namespace, loc.name)?.object;
    if (!obj || obj.metadata.uid !== uid) return false;
    // An owner being deleted in the foreground still owns its dependents only to delete them.
    return !(obj.metadata.deletionTimestamp && obj.metadata.finalizers?.includes(FOREGROUND));
  }

  private process(uid: string): void {
    const loc = this.byUid.get(uid);
    if (!loc) return;
    const stored = this.store.get(loc.resource, loc.namespace, loc.name);
    if (!stored) return;
    const obj = stored.object;
    const def = findKindByResource(loc.resource.split('/')[0]!, loc.resource.split('/')[1]!);
    if (!def) return;
    // A foreground deletion completes once no dependents remain.
    if (obj.metadata.deletionTimestamp && obj.metadata.finalizers?.includes(FOREGROUND)) {
      const remaining = [...(this.dependents.get(uid) ?? [])].filter((d) => this.byUid.has(d));
      if (remaining.length === 0) {
        const finalizers = obj.metadata.finalizers.filter((f) => f !== FOREGROUND);
        this.registry.update(def, loc.namespace, loc.name, { ...obj, metadata: { ...obj.metadata, finalizers } }, undefined);
      } else {
        for (const d of remaining) this.pending.add(d);
      }
    }
    const owners = obj.metadata.ownerReferences ?? [];
    if (owners.length > 0 && owners.every((ref) => !this.isLive(ref.uid)) && !obj.metadata.deletionTimestamp) {
      this.registry.delete(def, loc.namespace, loc.name, { propagationPolicy: 'Background' });
    }
  }
}
