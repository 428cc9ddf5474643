/**
 * Embedded mode's scheduler (a cluster has its own): a Pod without `spec.nodeName` is bound to a Ready node that
 * fits it (node-fit.ts), the one running the fewest pods, and gets the `PodScheduled` condition; when no node fits,
 * the condition is False with reason Unschedulable and the scheduler's message, and a FailedScheduling Event says
 * it (aggregated). A change of any node tries the waiting pods again.
 */
import type { KubeObject } from '@sedna/api';
import { rfc3339 as now } from '@sedna/api/runtime';
import type { KindReader, ObjectCache } from '../../runtime/cache.js';
import { isConflict, isNotFound, type ObjectClient } from '../../runtime/client.js';
import { type ControllerDeclaration, keyOf, type ObjectKey, type Reconciler, splitKey, watch } from '../../runtime/controller.js';
import { recordEvent } from '../../runtime/events.js';
import type { ObjectOf } from '../../runtime/kinds.js';
import { type Misfit, misfit, unschedulableMessage } from './node-fit.js';

const SCHEDULER = 'default-scheduler';

function unbound(pod: ObjectOf<'Pod'>): boolean {
  return !pod.spec.nodeName && (pod.spec.schedulerName ?? SCHEDULER) === SCHEDULER && !pod.metadata.deletionTimestamp;
}

export class SchedulerController implements Reconciler {
  static readonly declaration: ControllerDeclaration = {
    name: 'scheduler',
    for: 'Pod',
    forFilter: (obj) => unbound(obj as ObjectOf<'Pod'>),
    // A change of any node tries the waiting pods again.
    watches: [watch('Node', (_node, cache) => cache.list('Pod').filter(unbound).map(keyOf))],
  };
  private readonly pods: KindReader<'Pod'>;
  private readonly nodes: KindReader<'Node'>;
  private readonly client: ObjectClient;

  constructor({ cache, client }: { cache: ObjectCache; client: ObjectClient }) {
    this.pods = cache.of('Pod');
    this.nodes = cache.of('Node');
    this.client = client;
  }

  async reconcile(key: ObjectKey): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(name, namespace);
    if (!pod || !unbound(pod)) return;
    const nodes = this.nodes.list();
    const misfits: Misfit[] = [];
    const fits: KubeObject[] = [];
    for (const node of nodes) {
      const why = misfit(pod, node);
      if (why) misfits.push(why);
      else fits.push(node);
    }
    if (fits.length === 0) {
      const message = unschedulableMessage(nodes.length, misfits);
      await this.setScheduled(pod, 'False', 'Unschedulable', message);
      await recordEvent(this.client, pod, 'Warning', 'FailedScheduling', message, SCHEDULER);
      return;
    }
    const load = (node: KubeObject) => this.pods.list().filter((p) => p.spec.nodeName === node.metadata.name).length;
    const chosen = fits.map((n) => ({ n, load: load(n) })).sort((a, b) => a.load - b.load || a.n.metadata.name!.localeCompare(b.n.metadata.name!))[0]!.n;
    // The condition is stored before the binding: the node starts the pod once it sees its nodeName, and the pod
    // controller (on the same informer) then already holds the condition it must keep when it writes the node's report.
    const scheduled = (await this.setScheduled(pod, 'True', undefined, undefined)) ?? pod;
    try {
      await this.client.mergePatch('Pod', namespace, name, { metadata: { resourceVersion: scheduled.metadata.resourceVersion }, spec: { nodeName: chosen.metadata.name } });
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return; // changed or gone meanwhile: the change reconciles again
      throw err;
    }
    await recordEvent(this.client, pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${chosen.metadata.name}`, SCHEDULER);
  }

  /** Writes the pod's PodScheduled condition; the pod as stored afterwards, or undefined when nothing changed or it is gone. */
  private async setScheduled(pod: ObjectOf<'Pod'>, status: 'True' | 'False', reason: string | undefined, message: string | undefined): Promise<KubeObject | undefined> {
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    const current = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
    if (current?.status === status && current.message === message) return undefined;
    const condition = { type: 'PodScheduled', status, lastTransitionTime: now(), ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
    return this.client.mergePatch('Pod', pod.metadata.namespace!, pod.metadata.name!, { status: { conditions: [...conditions, condition] } }, 'status').catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
      return undefined;
    });
  }
}
