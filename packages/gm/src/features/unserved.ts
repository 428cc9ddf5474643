/**
 * A Sedna kind that the API serves but no registered feature does: its objects would otherwise wait forever with no
 * word. Each gets a Failed condition with reason NotServed saying so (once), and a Warning Event; a status the
 * kind's schema refuses leaves the Event alone.
 */
import type { KubeObject } from '@sedna/api';
import { rfc3339 } from '@sedna/api/runtime';
import type { KindReader, ObjectCache } from '../runtime/cache.js';
import { isInvalid, isNotFound, type ObjectClient } from '../runtime/client.js';
import { type ControllerDeclaration, type ObjectKey, type Reconciler, splitKey } from '../runtime/controller.js';
import { recordEvent } from '../runtime/events.js';
import type { KindName } from '../runtime/kinds.js';

export const NOT_SERVED_REASON = 'NotServed';

interface AnyCondition {
  type?: string;
  reason?: string;
}

export class UnservedController implements Reconciler {
  static declaration(kind: string): ControllerDeclaration {
    // A kind no feature names may be one the runtime's typed kinds do not list yet: it is read untyped.
    return { name: `unserved-${kind.toLowerCase()}`, for: kind as KindName };
  }
  private readonly objects: KindReader<KindName>;

  constructor(
    private readonly kind: string,
    cache: ObjectCache,
    private readonly client: ObjectClient,
  ) {
    this.objects = cache.of(kind as KindName);
  }

  message(): string {
    return `no feature of this GM serves ${this.kind}: register one in packages/gm/src/features/registry.ts`;
  }

  async reconcile(key: ObjectKey): Promise<void> {
    const { namespace, name } = splitKey(key);
    const obj: KubeObject | undefined = this.objects.get(name, namespace);
    if (!obj || obj.metadata.deletionTimestamp) return;
    const conditions = ((obj['status'] as { conditions?: AnyCondition[] } | undefined)?.conditions ?? []);
    if (conditions.at(-1)?.reason === NOT_SERVED_REASON) return;
    const t = rfc3339();
    const condition = { type: 'Failed', status: 'True', reason: NOT_SERVED_REASON, message: this.message(), lastTransitionTime: t, lastHeartbeatTime: t };
    try {
      await this.client.mergePatch(this.kind, namespace, name, { metadata: { resourceVersion: obj.metadata.resourceVersion }, status: { conditions: [...conditions, condition] } }, 'status');
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isInvalid(err)) throw err;
    }
    await recordEvent(this.client, obj, 'Warning', NOT_SERVED_REASON, this.message());
  }
}
