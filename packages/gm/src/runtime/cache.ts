/**
 * What a controller reads: objects by kind from caches the runtime keeps in step with the API. A controller gets a
 * cache scoped to the kinds it declared (`for`, `owns`, `watches`): reading any other kind throws, so no kind is
 * read without a watch that reconciles on its changes. Tests use MemoryCache, the same interface over a map.
 */
import type { KubeObject } from '@sedna/api';
import type { ResourceInformer } from './informer.js';
import type { KindName, ObjectOf } from './kinds.js';

/** The objects of one kind, as a controller's helpers read them. */
export interface KindReader<K extends KindName> {
  readonly kind: K;
  get(name: string, namespace?: string): ObjectOf<K> | undefined;
  list(namespace?: string): ObjectOf<K>[];
}

export interface ObjectCache {
  /** The reader of one kind; a scoped cache refuses a kind its controller did not declare (when it is built). */
  of<K extends KindName>(kind: K): KindReader<K>;
  /** `namespace` is ignored for cluster-scoped kinds (Node, PersistentVolume). */
  get<K extends KindName>(kind: K, name: string, namespace?: string): ObjectOf<K> | undefined;
  /** Every object of `kind` (in `namespace` when given). */
  list<K extends KindName>(kind: K, namespace?: string): ObjectOf<K>[];
}

const CLUSTER_SCOPED = new Set<KindName>(['Node', 'PersistentVolume']);

function readerOf<K extends KindName>(cache: ObjectCache, kind: K): KindReader<K> {
  return { kind, get: (name, namespace) => cache.get(kind, name, namespace), list: (namespace) => cache.list(kind, namespace) };
}

/** A cache over the shared informers of the kinds a controller declared. */
export class ScopedCache implements ObjectCache {
  constructor(
    private readonly owner: string,
    private readonly informers: ReadonlyMap<KindName, ResourceInformer>,
  ) {}

  private informer(kind: KindName): ResourceInformer {
    const informer = this.informers.get(kind);
    if (!informer) throw new Error(`${this.owner} reads ${kind} objects without watching them: declare ${kind} in its watches (or owns)`);
    return informer;
  }

  of<K extends KindName>(kind: K): KindReader<K> {
    this.informer(kind);
    return readerOf(this, kind);
  }

  get<K extends KindName>(kind: K, name: string, namespace?: string): ObjectOf<K> | undefined {
    // Objects in an informer passed the API server's validation: their kind's type holds.
    return this.informer(kind).get(name, CLUSTER_SCOPED.has(kind) ? undefined : namespace) as ObjectOf<K> | undefined;
  }

  list<K extends KindName>(kind: K, namespace?: string): ObjectOf<K>[] {
    return this.informer(kind).list(CLUSTER_SCOPED.has(kind) ? undefined : namespace) as ObjectOf<K>[];
  }
}

/** An in-memory cache for tests: objects put in by kind, read as a controller reads its informers. */
export class MemoryCache implements ObjectCache {
  private readonly objects = new Map<string, KubeObject>();

  constructor(objects: readonly KubeObject[] = []) {
    for (const obj of objects) this.put(obj);
  }

  private static key(kind: string, name: string, namespace: string | undefined): string {
    return `${kind}|${CLUSTER_SCOPED.has(kind as KindName) ? '' : (namespace ?? '')}|${name}`;
  }

  /** Adds or replaces an object (by its kind, namespace and name). */
  put(obj: KubeObject): this {
    this.objects.set(MemoryCache.key(obj.kind, obj.metadata.name ?? '', obj.metadata.namespace), obj);
    return this;
  }

  of<K extends KindName>(kind: K): KindReader<K> {
    return readerOf(this, kind);
  }

  remove(kind: KindName, name: string, namespace?: string): void {
    this.objects.delete(MemoryCache.key(kind, name, namespace));
  }

  get<K extends KindName>(kind: K, name: string, namespace?: string): ObjectOf<K> | undefined {
    return this.objects.get(MemoryCache.key(kind, name, namespace)) as ObjectOf<K> | undefined;
  }

  list<K extends KindName>(kind: K, namespace?: string): ObjectOf<K>[] {
    return [...this.objects.values()].filter((o) => o.kind === kind && (namespace === undefined || CLUSTER_SCOPED.has(kind) || o.metadata.namespace === namespace)) as ObjectOf<K>[];
  }
}
