/**
 * Creating a child under a deterministic name, so that creates are idempotent. A controller's cache lags behind
 * its own writes, and a GM restarted mid-reconcile does not know what its predecessor created: both may ask again
 * for a child that exists. With a fixed name the API answers AlreadyExists instead of making a second one. When the
 * object there is this owner's (its controller reference names the owner's uid), it is adopted: no error, no
 * duplicate. When it is someone else's (a user's Pod, another job's), the name is taken: a NameConflictError the
 * controller turns into a condition, and a Warning event on the owner.
 */
import type { KubeObject } from '@sedna/api';
import { ApiStatusError, isNotFound, type ObjectClient } from '../runtime/client.js';
import { recordEvent } from '../runtime/events.js';
import type { KindName, NewObjectOf, ObjectOf } from '../runtime/kinds.js';

/** A child's name is taken by an object the owner does not control. Retried with backoff: the user may remove it. */
export class NameConflictError extends Error {
  readonly reason = 'NameConflict';
  constructor(
    readonly kind: string,
    readonly namespace: string,
    readonly objectName: string,
    readonly holder: string,
    owner: KubeObject,
  ) {
    super(
      `${kind} ${namespace}/${objectName} already exists and ${holder}, so ${owner.kind} ${owner.metadata.namespace ?? ''}/${owner.metadata.name} ` +
        `cannot create its ${kind.toLowerCase()} under that name: delete or rename that ${kind.toLowerCase()}`,
    );
  }
}

export function isNameConflict(err: unknown): err is NameConflictError {
  return err instanceof NameConflictError;
}

/** Whether `obj`'s controller reference is `owner` (by uid, as garbage collection reads it). */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === owner.metadata.uid);
}

function holderOf(obj: KubeObject): string {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  return ref ? `belongs to ${ref.kind} ${ref.name} (uid ${ref.uid})` : 'has no controller';
}

function isAlreadyExists(err: unknown): boolean {
  // A create answers 409 only for a name in use (AlreadyExists); an update's 409 (Conflict) cannot happen here.
  return err instanceof ApiStatusError && err.code === 409;
}

export interface CreatedChild<K extends KindName> {
  object: ObjectOf<K>;
  /** False when the object was there already and is the owner's: adopted, nothing created. */
  created: boolean;
}

/**
 * Creates `body` (a named child of `owner`, with its controller reference), or adopts the object of that name when
 * it is the owner's. The adopted object may be ending (a worker deleted for replacement): its removal queues the
 * owner again, and that reconcile creates the new one.
 */
export async function createOwned<K extends KindName>(client: ObjectClient, owner: KubeObject, kind: K, body: NewObjectOf<K>): Promise<CreatedChild<K>> {
  const name = body.metadata.name;
  if (!name) throw new Error(`createOwned: the ${kind} of ${owner.kind} ${owner.metadata.name} has no name (a generated name is not idempotent)`);
  const namespace = body.metadata.namespace ?? owner.metadata.namespace ?? '';
  // Twice at most: the object in the way may go between the create and the read.
  for (let attempt = 0; ; attempt++) {
    try {
      return { object: await client.create(kind, namespace, body), created: true };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    let existing: ObjectOf<K>;
    try {
      existing = await client.get(kind, namespace, name);
    } catch (err) {
      if (isNotFound(err) && attempt === 0) continue;
      throw err;
    }
    return { object: await assertOwned(client, owner, existing), created: false };
  }
}

/**
 * `existing` (a child found under the name the owner gives it, e.g. in the cache) if it is the owner's; else the
 * NameConflictError, with a Warning event on the owner: another object's Service must not be taken for its own.
 */
export async function assertOwned<T extends KubeObject>(client: ObjectClient, owner: KubeObject, existing: T): Promise<T> {
  if (isControlledBy(existing, owner)) return existing;
  const conflict = new NameConflictError(existing.kind, existing.metadata.namespace ?? owner.metadata.namespace ?? '', existing.metadata.name ?? '', holderOf(existing), owner);
  await recordEvent(client, owner, 'Warning', conflict.reason, conflict.message).catch(() => undefined);
  throw conflict;
}
