/**
 * The semantics of the Kubernetes REST verbs over the store: create (generateName, uid, timestamps, generation),
 * get, list (selectors, pagination), update and patch (optimistic concurrency, status subresource, generation),
 * delete (preconditions, finalizers, graceful pod deletion, propagation policies). Garbage collection of
 * dependents runs beside it (gc.ts).
 */
import { randomUUID } from 'node:crypto';
import { apiVersionOf, type KindDefinition, type KubeObject, SEDNA_GROUP, ValidationContext } from '@sedna/api';
import { rfc3339 } from '@sedna/api/runtime';
import { ApiError, errors } from '../http/errors.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch, isObject } from '../patch/merge-patch.js';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch.js';
import { fieldPredicate } from '../selectors/fields.js';
import { labelPredicate } from '../selectors/labels.js';
import type { Store, StoredObject } from '../storage/store.js';
import { admitCreate } from './admission.js';
import { type FieldValidation, specFingerprint, validateObject } from './validation.js';

export function resourceKey(def: Pick<KindDefinition, 'group' | 'plural'>): string {
  return `${def.group}/${def.plural}`;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  /** True when the write created the object (201), false for an update (200). */
  created?: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continueToken?: string;
}

export interface ListResult {
  items: StoredObject[];
  resourceVersion: number;
  continueToken?: string;
  remainingItemCount?: number;
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface DeleteOptions extends WriteOptions {
  propagationPolicy?: PropagationPolicy;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'merge' | 'json' | 'strategic';

const NAME_SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATE_NAME_PREFIX = 63 - 5;
const FOREGROUND = 'foregroundDeletion';
const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
const ORPHAN = 'orphan';

export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += NAME_SUFFIX_CHARS[Math.floor(Math.random() * NAME_SUFFIX_CHARS.length)];
  return out;
}

export class Registry {
  constructor(readonly store: Store) {}

  get(def: KindDefinition, namespace: string, name: string): StoredObject {
    const stored = this.store.get(resourceKey(def), def.namespaced ? namespace : '', name);
    if (!stored) throw errors.notFound(def.group, def.plural, name);
    return stored;
  }

  list(def: KindDefinition, namespace: string | undefined, options: ListOptions = {}): ListResult {
    const byLabel = labelPredicate(options.labelSelector);
    const byField = fieldPredicate(def.kind, options.fieldSelector);
    const resourceVersion = this.store.resourceVersion;
    let items = this.store.list(resourceKey(def), def.namespaced ? namespace : undefined);
    if (byLabel || byField) items = items.filter((s) => (!byLabel || byLabel(s.object.metadata.labels)) && (!byField || byField(s.object)));
    if (options.continueToken) {
      const after = decodeContinue(options.continueToken);
      items = items.filter((s) => `${s.object.metadata.namespace ?? ''}/${s.object.metadata.name}` > after);
    }
    if (options.limit && options.limit > 0 && items.length > options.limit) {
      const page = items.slice(0, options.limit);
      const last = page[page.length - 1]!.object.metadata;
      return { items: page, resourceVersion, continueToken: encodeContinue(`${last.namespace ?? ''}/${last.name}`), remainingItemCount: items.length - page.length };
    }
    return { items, resourceVersion };
  }

  create(def: KindDefinition, namespace: string, body: unknown, options: WriteOptions = {}): WriteResult {
    const raw = this.checkBody(def, body, namespace);
    const meta = raw['metadata'] as Record<string, unknown>;
    if (typeof meta['name'] !== 'string' || meta['name'] === '') {
      // As Kubernetes' name generator: the prefix is cut to 58 characters so the name fits a DNS label.
      if (typeof meta['generateName'] === 'string' && meta['generateName'] !== '') meta['name'] = `${meta['generateName'].slice(0, MAX_GENERATE_NAME_PREFIX)}${randomSuffix()}`;
      else throw errors.invalid(def.kind, def.group, '', [{ type: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    }
    const { object, warnings } = validateObject(def, raw, options.fieldValidation ?? 'Warn');
    const name = object.metadata.name!;
    if (def.namespaced) this.requireNamespace(namespace);
    if (this.store.get(resourceKey(def), def.namespaced ? namespace : '', name)) {
      throw errors.alreadyExists(def.group, def.plural, name);
    }
    const metadata = object.metadata;
    delete metadata.resourceVersion;
    delete metadata.deletionTimestamp;
    delete metadata.deletionGracePeriodSeconds;
    delete metadata.selfLink;
    metadata.uid = randomUUID();
    metadata.creationTimestamp = rfc3339();
    metadata.generation = 1;
    if (def.namespaced) metadata.namespace = namespace;
    else delete metadata.namespace;
    prepareForCreate(def, object);
    admitCreate(this.store, object);
    if (options.dryRun) return { object: { ...object, metadata: { ...metadata, resourceVersion: String(this.store.resourceVersion) } }, warnings, created: true };
    return { object: this.store.put(resourceKey(def), object, 'ADDED').object, warnings, created: true };
  }

  update(def: KindDefinition, namespace: string, name: string, body: unknown, subresource: 'status' | undefined, options: WriteOptions = {}): WriteResult {
    const raw = this.checkBody(def, body, namespace);
    const meta = raw['metadata'] as Record<string, unknown>;
    if (meta['name'] !== undefined && meta['name'] !== name) {
      throw errors.badRequest(`the name of the object (${String(meta['name'])}) does not match the name on the URL (${name})`);
    }
    meta['name'] = name;
    const current = this.get(def, namespace, name);
    const expected = meta['resourceVersion'];
    if (typeof expected === 'string' && expected !== '' && expected !== current.object.metadata.resourceVersion) {
      throw errors.conflict(def.group, def.plural, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    if (subresource === 'status') return this.writeStatus(def, current, raw['status'], options);
    const { object, warnings } = validateObject(def, raw, options.fieldValidation ?? 'Warn');
    return { object: this.writeUpdate(def, current, object, subresource, options), warnings };
  }

  patch(def: KindDefinition, namespace: string, name: string, type: PatchType, patch: unknown, subresource: 'status' | undefined, options: WriteOptions = {}): WriteResult {
    const current = this.get(def, namespace, name);
    let patched: unknown;
    switch (type) {
      case 'merge':
        if (!isObject(patch)) throw errors.badRequest('a merge patch must be a JSON object');
        patched = applyMergePatch(current.object, patch);
        break;
      case 'json':
        patched = applyJsonPatch(current.object, patch);
        break;
      case 'strategic':
        if (def.group === SEDNA_GROUP) {
          throw errors.unsupportedMediaType(`strategic merge patch is not supported for ${def.plural}.${def.group}: use a JSON merge patch (application/merge-patch+json) or a JSON patch`);
        }
        if (!isObject(patch)) throw errors.badRequest('a strategic merge patch must be a JSON object');
        patched = applyStrategicMergePatch(current.object, patch);
        break;
    }
    if (subresource === 'status') {
      const expected = ((patched as KubeObject).metadata ?? {}).resourceVersion;
      if (typeof expected === 'string' && expected !== current.object.metadata.resourceVersion) {
        throw errors.conflict(def.group, def.plural, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      return this.writeStatus(def, current, (patched as Record<string, unknown>)['status'], options);
    }
    const raw = this.checkBody(def, patched, namespace);
    const meta = raw['metadata'] as Record<string, unknown>;
    if (meta['name'] !== name) throw errors.badRequest('a patch may not change metadata.name');
    const expected = meta['resourceVersion'];
    if (typeof expected === 'string' && expected !== current.object.metadata.resourceVersion) {
      throw errors.conflict(def.group, def.plural, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const { object, warnings } = validateObject(def, raw, options.fieldValidation ?? 'Warn');
    return { object: this.writeUpdate(def, current, object, subresource, options), warnings };
  }

  /**
   * The status subresource changes only `status`: the rest of the stored object is valid already, so only the
   * new status is validated (the hot path of every controller and local controller report).
   */
  private writeStatus(def: KindDefinition, current: StoredObject, status: unknown, options: WriteOptions): WriteResult {
    const statusSchema = def.body.shape['status'];
    const ctx = new ValidationContext(options.fieldValidation === 'Strict' ? 'reject' : 'prune');
    const checked = status === undefined || status === null || !statusSchema ? undefined : statusSchema.check(status, 'status', ctx);
    const name = current.object.metadata.name ?? '';
    if (ctx.unknownFields.length > 0) throw errors.badRequest(`strict decoding error: ${ctx.unknownFields.map((f) => `unknown field "${f}"`).join(', ')}`);
    if (ctx.errors.length > 0) throw errors.invalid(def.kind, def.group, name, ctx.errors);
    const next: KubeObject = { ...current.object };
    if (checked === undefined) delete next['status'];
    else next['status'] = checked;
    if (deepEqual(next['status'], current.object['status'])) return { object: current.object, warnings: [] };
    if (options.dryRun) return { object: next, warnings: [] };
    return { object: this.store.put(resourceKey(def), next, 'MODIFIED').object, warnings: [] };
  }

  /** Applies an update of the main resource or of its status, keeping what that path may not change. */
  private writeUpdate(def: KindDefinition, current: StoredObject, incoming: KubeObject, subresource: 'status' | undefined, options: WriteOptions): KubeObject {
    const old = current.object;
    let next: KubeObject;
    if (subresource === 'status') {
      next = { ...old, status: incoming['status'] };
      if (incoming['status'] === undefined) delete next['status'];
    } else {
      next = { ...incoming, metadata: { ...incoming.metadata } };
      if (def.statusSubresource) {
        if (old['status'] === undefined) delete next['status'];
        else next['status'] = old['status'];
      }
      const m = next.metadata;
      m.uid = old.metadata.uid;
      m.creationTimestamp = old.metadata.creationTimestamp;
      m.namespace = old.metadata.namespace;
      if (old.metadata.namespace === undefined) delete m.namespace;
      m.generation = old.metadata.generation ?? 1;
      if (old.metadata.deletionTimestamp) {
        m.deletionTimestamp = old.metadata.deletionTimestamp;
        const added = (m.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
        if (added.length > 0) {
          throw errors.invalid(def.kind, def.group, m.name!, [{ type: 'FieldValueForbidden', field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` }]);
        }
      } else delete m.deletionTimestamp;
      if (old.metadata.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
      else delete m.deletionGracePeriodSeconds;
      checkImmutable(def, old, next);
      if (specFingerprint(next) !== specFingerprint(old)) m.generation = (old.metadata.generation ?? 1) + 1;
      prepareForUpdate(def, next);
    }
    delete next.metadata.resourceVersion;
    const unchanged = deepEqual({ ...next, metadata: { ...next.metadata, resourceVersion: old.metadata.resourceVersion } }, old);
    if (unchanged || options.dryRun) return unchanged ? old : { ...next, metadata: { ...next.metadata, resourceVersion: old.metadata.resourceVersion } };
    // Removing the last finalizer of an object being deleted completes its deletion.
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      this.store.put(resourceKey(def), next, 'MODIFIED');
      return this.store.remove(resourceKey(def), next.metadata.namespace ?? '', next.metadata.name!)!.object;
    }
    return this.store.put(resourceKey(def), next, 'MODIFIED').object;
  }

  delete(def: KindDefinition, namespace: string, name: string, options: DeleteOptions = {}): KubeObject {
    const current = this.get(def, namespace, name);
    const obj = current.object;
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== obj.metadata.uid) {
      throw errors.conflict(def.group, def.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
      throw errors.conflict(def.group, def.plural, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`);
    }
    if (def.kind === 'Namespace') return this.deleteNamespace(obj, options);
    if (options.dryRun) return obj;
    const policy = options.propagationPolicy ?? 'Background';
    if (policy === 'Orphan') this.orphanDependents(obj);
    const finalizers = [...(obj.metadata.finalizers ?? [])];
    if (policy === 'Foreground' && !finalizers.includes(FOREGROUND)) finalizers.push(FOREGROUND);
    if (policy === 'Orphan') {
      const i = finalizers.indexOf(ORPHAN);
      if (i >= 0) finalizers.splice(i, 1);
    }
    const graceful = this.gracefulPodDeletion(def, obj, options.gracePeriodSeconds);
    if (finalizers.length > 0 || graceful !== undefined) {
      if (obj.metadata.deletionTimestamp && graceful === undefined && sameList(finalizers, obj.metadata.finalizers)) return obj;
      const next: KubeObject = {
        ...obj,
        metadata: {
          ...obj.metadata,
          finalizers,
          deletionTimestamp: obj.metadata.deletionTimestamp ?? rfc3339(),
          deletionGracePeriodSeconds: graceful ?? 0,
        },
      };
      if (finalizers.length === 0) delete next.metadata.finalizers;
      return this.store.put(resourceKey(def), next, 'MODIFIED').object;
    }
    return this.store.remove(resourceKey(def), obj.metadata.namespace ?? '', name)!.object;
  }

  /**
   * A Namespace is not removed at once: it turns Terminating and the namespace controller deletes its content,
   * then the Namespace (namespace-controller.ts). The system namespaces cannot be deleted, as on Kubernetes.
   */
  private deleteNamespace(obj: KubeObject, options: DeleteOptions): KubeObject {
    const name = obj.metadata.name!;
    if (PROTECTED_NAMESPACES.has(name)) throw new ApiError(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
    if (options.dryRun || obj.metadata.deletionTimestamp) return obj;
    const next: KubeObject = {
      ...obj,
      metadata: { ...obj.metadata, deletionTimestamp: rfc3339(), deletionGracePeriodSeconds: 0 },
      status: { ...((obj['status'] as Record<string, unknown> | undefined) ?? {}), phase: 'Terminating' },
    };
    return this.store.put('/namespaces', next, 'MODIFIED').object;
  }

  /**
   * Pods bound to a Ready node end gracefully: the node's local controller stops the process and then deletes the
   * pod with grace period 0. Pods on no node, a missing node or a NotReady node go at once. Returns the grace period
   * when the deletion is graceful.
   */
  private gracefulPodDeletion(def: KindDefinition, obj: KubeObject, requested: number | undefined): number | undefined {
    if (def.kind !== 'Pod' || requested === 0) return undefined;
    const spec = obj['spec'] as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    const phase = (obj['status'] as { phase?: string } | undefined)?.phase;
    if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return undefined;
    const node = this.store.get('/nodes', '', spec.nodeName)?.object;
    const conditions = (node?.['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
    if (!conditions.some((c) => c.type === 'Ready' && c.status === 'True')) return undefined;
    if (obj.metadata.deletionTimestamp) return obj.metadata.deletionGracePeriodSeconds ?? 0;
    return requested ?? spec.terminationGracePeriodSeconds ?? 30;
  }

  private orphanDependents(owner: KubeObject): void {
    const uid = owner.metadata.uid;
    for (const resource of this.store.resources()) {
      for (const stored of this.store.list(resource)) {
        const refs = stored.object.metadata.ownerReferences;
        if (!refs?.some((r) => r.uid === uid)) continue;
        const remaining = refs.filter((r) => r.uid !== uid);
        const next: KubeObject = { ...stored.object, metadata: { ...stored.object.metadata, ownerReferences: remaining } };
        if (remaining.length === 0) delete next.metadata.ownerReferences;
        this.store.put(resource, next, 'MODIFIED');
      }
    }
  }

  private checkBody(def: KindDefinition, body: unknown, namespace: string): Record<string, unknown> {
    if (!isObject(body)) throw errors.badRequest(`the request body must be a JSON or YAML object describing a ${def.kind}`);
    // Bodies come fresh from JSON.parse or from a patch of the stored object; copy only what is changed here.
    const raw: Record<string, unknown> = { ...body };
    const expectedVersion = apiVersionOf(def);
    if (raw['apiVersion'] !== undefined && raw['apiVersion'] !== expectedVersion) {
      throw errors.badRequest(`the API version in the data (${String(raw['apiVersion'])}) does not match the expected API version (${expectedVersion})`);
    }
    if (raw['kind'] !== undefined && raw['kind'] !== def.kind) {
      throw errors.badRequest(`the kind in the data (${String(raw['kind'])}) does not match the expected kind (${def.kind})`);
    }
    if (raw['metadata'] === undefined || raw['metadata'] === null) raw['metadata'] = {};
    if (!isObject(raw['metadata'])) throw errors.badRequest('metadata must be an object');
    const meta = (raw['metadata'] = { ...raw['metadata'] });
    if (def.namespaced) {
      if (meta['namespace'] !== undefined && meta['namespace'] !== '' && meta['namespace'] !== namespace) {
        throw errors.badRequest(`the namespace of the provided object (${String(meta['namespace'])}) does not match the namespace sent on the request (${namespace})`);
      }
    } else delete meta['namespace'];
    return raw;
  }

  private requireNamespace(namespace: string): void {
    const ns = this.store.get('/namespaces', '', namespace);
    if (!ns) throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
    if (ns.object.metadata.deletionTimestamp) {
      throw new ApiError(403, 'Forbidden', `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }
}

/** Structural equality of JSON values, ignoring key order. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => deepEqual(v, (b as unknown[])[i]));
  const ak = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function sameList(a: readonly string[], b: readonly string[] | undefined): boolean {
  return a.length === (b?.length ?? 0) && a.every((x, i) => b![i] === x);
}

/** Kind-specific changes on create, as the Kubernetes strategies make them. */
function prepareForCreate(def: KindDefinition, object: KubeObject): void {
  if (def.statusSubresource && def.group !== '') delete object['status'];
  switch (def.kind) {
    case 'Pod':
      object['status'] = { phase: 'Pending' };
      break;
    case 'PersistentVolume':
      object['status'] = { phase: 'Available' };
      break;
    case 'PersistentVolumeClaim':
      object['status'] = { phase: 'Pending' };
      break;
    case 'Namespace':
      object['status'] = { phase: 'Active' };
      // The namespace controller's finalizer: the Namespace stays until its content is gone.
      object['spec'] = { ...((object['spec'] as Record<string, unknown> | undefined) ?? {}), finalizers: ['kubernetes'] };
      break;
    case 'Service': {
      const spec = (object['spec'] ??= {}) as Record<string, unknown>;
      spec['type'] ??= 'ClusterIP';
      break;
    }
  }
  prepareForUpdate(def, object);
}

function prepareForUpdate(def: KindDefinition, object: KubeObject): void {
  if (def.kind === 'Secret' && isObject(object['stringData'])) {
    const data = { ...((object['data'] as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(object['stringData'] as Record<string, string>)) data[k] = Buffer.from(v, 'utf8').toString('base64');
    object['data'] = data;
    delete object['stringData'];
  }
}

/** Pod specs are immutable once created, except binding to a node, as on a real cluster. */
function checkImmutable(def: KindDefinition, old: KubeObject, next: KubeObject): void {
  if (def.kind !== 'Pod') return;
  const oldSpec = { ...(old['spec'] as Record<string, unknown>) };
  const newSpec = { ...(next['spec'] as Record<string, unknown>) };
  if (!oldSpec['nodeName']) {
    delete oldSpec['nodeName'];
    delete newSpec['nodeName'];
  }
  if (JSON.stringify(oldSpec) !== JSON.stringify(newSpec)) {
    throw errors.invalid('Pod', '', old.metadata.name ?? '', [{ type: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: pod updates may not change fields other than binding an unbound pod to a node (spec.nodeName)' }]);
  }
}

function encodeContinue(lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: lastKey })).toString('base64url');
}

function decodeContinue(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw errors.badRequest('invalid continue token');
}
