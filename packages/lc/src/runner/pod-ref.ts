import type { ObjectMeta, PodSpec, PodStatus } from '@sedna/api';

/** Metadata of a pod the runner can run: name, namespace and uid are required (the uid tells two pods of one name apart). */
export type RunnablePodMeta = ObjectMeta & { name: string; namespace: string; uid: string };

/** A Pod bound to this node, as the runner needs it. */
export interface RunnablePod {
  apiVersion?: string;
  kind?: string;
  metadata: RunnablePodMeta;
  spec: PodSpec;
  status?: PodStatus;
}

/** Names a pod; with `uid`, only that incarnation of the name. */
export interface PodRef {
  namespace: string;
  name: string;
  uid?: string;
}

// Namespaces and names are DNS labels/subdomains and uids are UUID-like: checking that keeps the per-pod folder name
// `<ns>_<name>_<uid>` unambiguous (none of them may contain `_`) and inside the data dir (no `/`, no `..`).
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const UID = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** A PodRef, or its key `namespace/name`. */
export function toPodRef(ref: PodRef | string): PodRef {
  if (typeof ref !== 'string') return ref;
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) throw new Error(`pod key "${ref}" must be namespace/name`);
  return { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

/** `namespace/name`: the key the runner files pods under. */
export function podKey(ref: PodRef): string {
  return `${ref.namespace}/${ref.name}`;
}

/** Folder name of one pod incarnation under `<dataDir>/pods/`. */
export function podDirName(meta: RunnablePodMeta): string {
  return `${meta.namespace}_${meta.name}_${meta.uid}`;
}

/** Splits a folder name made by {@link podDirName}; undefined when it is not one. */
export function parsePodDirName(dirName: string): { namespace: string; name: string; uid: string } | undefined {
  const parts = dirName.split('_');
  if (parts.length !== 3) return undefined;
  const [namespace, name, uid] = parts as [string, string, string];
  if (!NAME.test(namespace) || !NAME.test(name) || !UID.test(uid) || name.includes('..')) return undefined;
  return { namespace, name, uid };
}

/**
 * Checks an object received from the control plane is a pod the runner can take, and narrows its type.
 * Throws an Error naming the offending field.
 */
export function asRunnablePod(obj: unknown): RunnablePod {
  if (obj === null || typeof obj !== 'object') throw new Error('pod: must be an object');
  const pod = obj as { metadata?: Partial<ObjectMeta>; spec?: Partial<PodSpec> };
  const meta = pod.metadata;
  if (!meta || typeof meta !== 'object') throw new Error('pod: metadata is required');
  checkField('metadata.namespace', meta.namespace, NAME);
  checkField('metadata.name', meta.name, NAME);
  checkField('metadata.uid', meta.uid, UID);
  if ((meta.name as string).includes('..')) throw new Error(`pod metadata.name: "${meta.name}" must not contain ".."`);
  if (!pod.spec || typeof pod.spec !== 'object') throw new Error(`pod ${meta.namespace}/${meta.name}: spec is required`);
  if (!Array.isArray(pod.spec.containers) || pod.spec.containers.length === 0) {
    throw new Error(`pod ${meta.namespace}/${meta.name}: spec.containers must name at least one container`);
  }
  return obj as RunnablePod;
}

function checkField(field: string, value: unknown, pattern: RegExp): void {
  if (typeof value !== 'string' || value === '') throw new Error(`pod ${field}: required`);
  if (!pattern.test(value)) throw new Error(`pod ${field}: "${value}" is not a valid ${field.endsWith('uid') ? 'uid' : 'DNS name'}`);
}
