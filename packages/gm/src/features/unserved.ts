/**
 * A Sedna kind that the API serves but no registered feature does: its objects would otherwise wait forever with no
 * word. Each gets a Failed condition with reason NotServed saying so (once), and a Warning Event; a status the
 * kind's schema refuses leaves the Event alone.
 */
import { rfc3339 } from '@sedna/api/runtime';
import type { KindReader, ObjectCache } from '../runtime/cache.js';
import { isInvalid, isNotFound, type ObjectClient } from '../runtime/client.js';
import { type ControllerDeclaration, type ObjectKey, type Reconciler, splitKey } from '../runtime/controller.js';
import { recordEvent } from '../runtime/events.js';
import type { MergePatchOf, SednaKindName } from '../runtime/kinds.js';

export const NOT_SERVED_REASON = 'NotServed';

/** What every Sedna kind's conditions have in common: enough to see whether the last one is ours. */
interface AnyCondition {
  type: string;
  reason?: string;
}

export class UnservedController implements Reconciler {
  static declaration(kind: SednaKindName): ControllerDeclaration {
    return { name: `unserved-${kind.toLowerCase()}`, for: kind };
  }
  private readonly objects: KindReader<SednaKindName>;

  constructor(
    private readonly kind: SednaKindName,
    cache: ObjectCache,
    private readonly client: ObjectClient,
  ) {
    this.objects = cache.of(kind);
  }

  message(): string {
    return `no feature of this GM serves ${this.kind}: register one in packages/gm/src/features/registry.ts`;
  }

  async reconcile(key: ObjectKey): Promise<void> {
    const { namespace, name } = splitKey(key);
    const obj = this.objects.get(name, namespace);
    if (!obj || obj.metadata.deletionTimestamp) return;
    const conditions: readonly AnyCondition[] = obj.status && 'conditions' in obj.status ? (obj.status.conditions ?? []) : [];
    if (conditions.at(-1)?.reason === NOT_SERVED_REASON) return;
    const t = rfc3339();
    const condition = { type: 'Failed', status: 'True', reason: NOT_SERVED_REASON, message: this.message(), lastTransitionTime: t, lastHeartbeatTime: t };
    try {
      // The one write not typed by its kind: this controller serves any kind, and its condition has the shape every
      // Sedna kind's conditions share; a kind whose conditions need more (a stage) refuses it as Invalid, and the
      // Event still says why nothing happens.
      const patch = { metadata: { resourceVersion: obj.metadata.resourceVersion }, status: { conditions: [...conditions, condition] } } as MergePatchOf<SednaKindName>;
      await this.client.mergePatch(this.kind, namespace, name, patch, 'status');
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isInvalid(err)) throw err;
    }
    await recordEvent(this.client, obj, 'Warning', NOT_SERVED_REASON, this.message());
  }
}
