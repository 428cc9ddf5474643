/**
 * Downstream sync of one kind of object to the node that should hold it: sends an object when it appears or when
 * what the node needs of it changes (its fingerprint), removes it from a node it left, and tells the node when the
 * object is gone. Every feature's downstream part uses it.
 */
import type { KubeObject } from '@sedna/api';
import type { ObjectKey } from '../runtime/controller.js';
import type { ChannelRouter } from './router.js';

interface Sent {
  node: string;
  fingerprint: string;
  /** What a delete message carries once the object itself is gone. */
  stub: KubeObject;
}

export class NodeSync {
  private readonly sent = new Map<ObjectKey, Sent>();

  constructor(private readonly router: ChannelRouter) {}

  /** Brings the node's copy of `key` up to date: `obj` undefined means the object is gone. */
  sync(key: ObjectKey, obj: KubeObject | undefined, node: string | undefined, fingerprint: string): void {
    const previous = this.sent.get(key);
    if (!obj || !node) {
      if (previous) this.router.send(previous.node, 'delete', obj ?? previous.stub);
      this.sent.delete(key);
      return;
    }
    if (previous && previous.node !== node) this.router.send(previous.node, 'delete', obj);
    if (previous?.node === node && previous.fingerprint === fingerprint) return;
    this.router.send(node, previous ? 'update' : 'insert', obj);
    const { name, namespace, uid } = obj.metadata;
    this.sent.set(key, { node, fingerprint, stub: { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name, namespace, uid } } });
  }
}
