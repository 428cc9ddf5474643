/**
 * Namespace deletion as Kubernetes' namespace controller does it: a deleted Namespace turns `Terminating` (it keeps
 * the `kubernetes` finalizer in `spec.finalizers`), every namespaced object in it is deleted (Pods on a Ready node
 * end gracefully: their local controller stops the process first), the remaining content is reported in the
 * `NamespaceContentRemaining` condition, and once nothing is left the Namespace goes.
 */
import { KINDS, type KubeObject } from '@sedna/api';
import { rfc3339 } from '@sedna/api/runtime';
import type { Store } from '../storage/store.js';
import { type Registry, resourceKey } from './registry.js';

export const NAMESPACE_FINALIZER = 'kubernetes';
/** How often a terminating namespace is looked at again while content remains (changes also trigger a look). */
const RECHECK_MS = 1000;

const NAMESPACED = KINDS.filter((k) => k.namespaced);

export class NamespaceController {
  private readonly terminating = new Set<string>();
  private unsubscribe?: () => void;
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
  ) {}

  start(): void {
    for (const ns of this.store.list('/namespaces')) if (ns.object.metadata.deletionTimestamp) this.terminating.add(ns.object.metadata.name!);
    this.unsubscribe = this.store.subscribe((e) => {
      if (e.resource === '/namespaces' && e.type !== 'DELETED' && e.object.metadata.deletionTimestamp) this.terminating.add(e.object.metadata.name!);
      else if (e.type === 'DELETED' && e.object.metadata.namespace && this.terminating.has(e.object.metadata.namespace)) this.schedule(0);
      else return;
      this.schedule(0);
    });
    this.timer = setInterval(() => this.schedule(0), RECHECK_MS);
    this.timer.unref();
    this.schedule(0);
  }

  stop(): void {
    this.unsubscribe?.();
    clearInterval(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.terminating.size === 0) return;
    setTimeout(() => this.sweep(), delayMs).unref();
  }

  private sweep(): void {
    if (this.running) return;
    this.running = true;
    try {
      for (const name of [...this.terminating]) this.finalize(name);
    } catch (err) {
      console.error(`apiserver: namespace controller: ${(err as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  /** Deletes what is left in the namespace; removes the namespace when nothing is. */
  private finalize(name: string): void {
    const ns = this.store.get('/namespaces', '', name)?.object;
    if (!ns || !ns.metadata.deletionTimestamp) {
      this.terminating.delete(name);
      return;
    }
    const remaining = new Map<string, number>();
    for (const def of NAMESPACED) {
      for (const stored of this.store.list(resourceKey(def), name)) {
        remaining.set(def.plural + (def.group ? `.${def.group}` : ''), (remaining.get(def.plural + (def.group ? `.${def.group}` : '')) ?? 0) + 1);
        if (stored.object.metadata.deletionTimestamp && def.kind !== 'Pod') continue;
        try {
          this.registry.delete(def, name, stored.object.metadata.name!, {});
        } catch {
          // Gone meanwhile, or refused: looked at again on the next sweep.
        }
      }
    }
    if (remaining.size === 0) {
      this.store.remove('/namespaces', '', name);
      this.terminating.delete(name);
      return;
    }
    const message = `Some resources are remaining: ${[...remaining].map(([r, n]) => `${r} has ${n} resource instances`).join(', ')}`;
    const conditions = ((ns['status'] as { conditions?: { type: string; message?: string }[] } | undefined)?.conditions ?? []).filter((c) => c.type !== 'NamespaceContentRemaining');
    const current = ((ns['status'] as { conditions?: { type: string; message?: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === 'NamespaceContentRemaining');
    if (current?.message === message) return;
    const next: KubeObject = {
      ...ns,
      status: { ...(ns['status'] as Record<string, unknown>), phase: 'Terminating', conditions: [...conditions, { type: 'NamespaceContentRemaining', status: 'True', lastTransitionTime: rfc3339(), reason: 'SomeResourcesRemain', message }] },
    };
    this.store.put('/namespaces', next, 'MODIFIED');
  }
}
