/**
 * A client for controller tests without processes, as client-go's fake clientset: every call is recorded, and the
 * writes land in a MemoryCache (creates get a name and a uid, merge patches merge, deletes remove), so that a test
 * can run `reconcile(key)` again on the state the last run left. Failures can be injected per call.
 */
import { apiVersionOf, findKind, type KubeObject } from '@sedna/api';
import { ApiStatusError, type ObjectClient } from './client.js';
import type { MemoryCache } from './cache.js';
import type { KindName } from './kinds.js';
import { applyMergePatch } from '@sedna/api/runtime';

export interface RecordedCall {
  verb: 'get' | 'create' | 'mergePatch' | 'replace' | 'delete';
  kind: string;
  namespace: string;
  name: string;
  /** The body of a create, the patch of a mergePatch. */
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
  /**
   * As the API server ends a Pod bound to a node that has not ended: a delete marks it (deletionTimestamp) and it
   * stays until its node has stopped it (a test removes it from the cache then). Off: deletes remove at once.
   */
  gracefulPodDeletion = false;

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

  async get(kind: string, namespace: string, name: string): Promise<KubeObject> {
    this.record({ verb: 'get', kind, namespace, name });
    const obj = this.cache.get(kind as KindName, name, namespace);
    if (!obj) throw this.notFound(kind, namespace, name);
    return obj;
  }

  async create(kind: string, namespace: string, body: Record<string, unknown>): Promise<KubeObject> {
    const meta = (body['metadata'] ?? {}) as KubeObject['metadata'];
    const name = meta.name ?? `${meta.generateName ?? 'object-'}${++this.serial}`;
    this.record({ verb: 'create', kind, namespace, name, body });
    if (this.cache.get(kind as KindName, name, namespace)) throw new ApiStatusError(409, 'AlreadyExists', `${kind} ${namespace}/${name} already exists`);
    const def = findKind(kind);
    const obj = { ...body, apiVersion: def ? apiVersionOf(def) : 'v1', kind, metadata: { ...meta, name, namespace, uid: `uid-${++this.serial}`, resourceVersion: String(this.serial), creationTimestamp: new Date(0).toISOString() } } as KubeObject;
    this.cache.put(obj);
    return obj;
  }

  async mergePatch(kind: string, namespace: string, name: string, patch: Record<string, unknown>, subresource?: 'status'): Promise<KubeObject> {
    this.record({ verb: 'mergePatch', kind, namespace, name, body: patch, ...(subresource ? { subresource } : {}) });
    const current = this.cache.get(kind as KindName, name, namespace);
    if (!current) throw this.notFound(kind, namespace, name);
    const { metadata, ...rest } = patch as { metadata?: Record<string, unknown> } & Record<string, unknown>;
    const expected = metadata?.['resourceVersion'];
    if (expected !== undefined && expected !== current.metadata.resourceVersion) throw new ApiStatusError(409, 'Conflict', `${kind} ${namespace}/${name} has changed`);
    const { resourceVersion: _rv, ...metaPatch } = metadata ?? {};
    const next = applyMergePatch(current, { ...rest, metadata: { ...metaPatch, resourceVersion: String(++this.serial) } }) as KubeObject;
    this.cache.put(next);
    return next;
  }

  async replace(kind: string, namespace: string, name: string, body: Record<string, unknown>): Promise<KubeObject> {
    this.record({ verb: 'replace', kind, namespace, name, body });
    const current = this.cache.get(kind as KindName, name, namespace);
    if (!current) throw this.notFound(kind, namespace, name);
    const next = { ...body, kind, apiVersion: current.apiVersion, metadata: { ...current.metadata, resourceVersion: String(++this.serial) } } as KubeObject;
    this.cache.put(next);
    return next;
  }

  async delete(kind: string, namespace: string, name: string): Promise<KubeObject> {
    this.record({ verb: 'delete', kind, namespace, name });
    const current = this.cache.get(kind as KindName, name, namespace);
    if (!current) throw this.notFound(kind, namespace, name);
    const phase = (current['status'] as { phase?: string } | undefined)?.phase;
    const bound = Boolean((current['spec'] as { nodeName?: string } | undefined)?.nodeName);
    if (this.gracefulPodDeletion && kind === 'Pod' && bound && phase !== 'Succeeded' && phase !== 'Failed') {
      if (current.metadata.deletionTimestamp) return current;
      const ending = { ...current, metadata: { ...current.metadata, deletionTimestamp: new Date(0).toISOString(), resourceVersion: String(++this.serial) } } as KubeObject;
      this.cache.put(ending);
      return ending;
    }
    this.cache.remove(kind as KindName, name, namespace);
    return current;
  }
}
