/**
 * A client for controller tests without processes, as client-go's fake clientset: every call is recorded, and the
 * writes land in a MemoryCache (creates get a name and a uid, merge patches merge, deletes remove), so that a test
 * can run `reconcile(key)` again on the state the last run left. Failures can be injected per call.
 */
import { apiVersionOf, findKind, isKubeObject, type KubeObject } from '@sedna/api';
import { ApiStatusError, type ObjectClient } from './client.js';
import type { MemoryCache } from './cache.js';
import type { KindName, MergePatchOf, NewObjectOf, ObjectOf } from './kinds.js';
import { applyMergePatch } from '@sedna/api/runtime';

export interface RecordedCall {
  verb: 'get' | 'create' | 'mergePatch' | 'replace' | 'delete';
  kind: string;
  namespace: string;
  name: string;
  /** The body of a create or replace, the patch of a mergePatch (a shallow copy, read by field in tests). */
  body?: Record<string, unknown>;
  subresource?: 'status';
}

/** Decides whether a call fails (a conflict, an invalid object): return the error to throw, or undefined. */
export type FailureInjector = (call: RecordedCall) => Error | undefined;

export class RecordingClient implements ObjectClient {
  readonly calls: RecordedCall[] = [];
  private serial = 0;
  /** Set to make calls fail. */
  fail: FailureInjector | undefined;

  constructor(private readonly cache: MemoryCache) {}

  /** The recorded writes (creates, patches, deletes) of `kind`, Events left out unless asked for. */
  writes(kind?: string): RecordedCall[] {
    return this.calls.filter((c) => c.verb !== 'get' && (kind ? c.kind === kind : c.kind !== 'Event'));
  }

  private record(call: RecordedCall): void {
    this.calls.push(call);
    const err = this.fail?.(call);
    if (err) throw err;
  }

  private notFound(kind: string, namespace: string, name: string): ApiStatusError {
    return new ApiStatusError(404, 'NotFound', `${kind} ${namespace}/${name} not found`);
  }

  // The MemoryCache holds each object under its kind: what comes out of it is typed as that kind, as an informer's is.
  async get<K extends KindName>(kind: K, namespace: string, name: string): Promise<ObjectOf<K>> {
    this.record({ verb: 'get', kind, namespace, name });
    const obj = this.cache.get(kind, name, namespace);
    if (!obj) throw this.notFound(kind, namespace, name);
    return obj;
  }

  async create<K extends KindName>(kind: K, namespace: string, body: NewObjectOf<K>): Promise<ObjectOf<K>> {
    const meta = body.metadata;
    const name = meta.name ?? `${meta.generateName ?? 'object-'}${++this.serial}`;
    this.record({ verb: 'create', kind, namespace, name, body: fields(body) });
    if (this.cache.get(kind, name, namespace)) throw new ApiStatusError(409, 'AlreadyExists', `${kind} ${namespace}/${name} already exists`);
    const def = findKind(kind);
    const obj: KubeObject = { ...body, apiVersion: def ? apiVersionOf(def) : 'v1', kind, metadata: { ...meta, name, namespace, uid: `uid-${++this.serial}`, resourceVersion: String(this.serial), creationTimestamp: new Date(0).toISOString() } };
    this.cache.put(obj);
    return this.stored(kind, obj);
  }

  async mergePatch<K extends KindName>(kind: K, namespace: string, name: string, patch: MergePatchOf<K>, subresource?: 'status'): Promise<ObjectOf<K>> {
    this.record({ verb: 'mergePatch', kind, namespace, name, body: fields(patch), ...(subresource ? { subresource } : {}) });
    const current = this.cache.get(kind, name, namespace);
    if (!current) throw this.notFound(kind, namespace, name);
    const { metadata, ...rest }: { metadata?: MergePatchOf<K>['metadata'] } = patch;
    const expected = metadata?.resourceVersion;
    if (expected !== undefined && expected !== current.metadata.resourceVersion) throw new ApiStatusError(409, 'Conflict', `${kind} ${namespace}/${name} has changed`);
    const { resourceVersion: _rv, ...metaPatch } = metadata ?? {};
    const next = applyMergePatch(current, { ...rest, metadata: { ...metaPatch, resourceVersion: String(++this.serial) } });
    if (!isKubeObject(next)) throw new Error(`a merge patch of ${kind} ${namespace}/${name} removed its metadata`);
    this.cache.put(next);
    return this.stored(kind, next);
  }

  async replace<K extends KindName>(kind: K, namespace: string, name: string, body: NewObjectOf<K>): Promise<ObjectOf<K>> {
    this.record({ verb: 'replace', kind, namespace, name, body: fields(body) });
    const current = this.cache.get(kind, name, namespace);
    if (!current) throw this.notFound(kind, namespace, name);
    this.cache.put({ ...body, kind, apiVersion: current.apiVersion, metadata: { ...current.metadata, resourceVersion: String(++this.serial) } });
    return this.stored(kind, current);
  }

  async delete(kind: KindName, namespace: string, name: string): Promise<unknown> {
    this.record({ verb: 'delete', kind, namespace, name });
    const current = this.cache.get(kind, name, namespace);
    if (!current) throw this.notFound(kind, namespace, name);
    this.cache.remove(kind, name, namespace);
    return current;
  }

  /** What the cache now holds for the object just written (typed by its kind, as the cache types what it holds). */
  private stored<K extends KindName>(kind: K, obj: KubeObject): ObjectOf<K> {
    const stored = this.cache.get(kind, obj.metadata.name ?? '', obj.metadata.namespace);
    if (!stored) throw this.notFound(kind, obj.metadata.namespace ?? '', obj.metadata.name ?? '');
    return stored;
  }
}

/** The top-level fields of a typed body, as a record a test reads by name. */
function fields(body: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body));
}
