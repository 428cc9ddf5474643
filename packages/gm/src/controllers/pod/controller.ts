/**
 * Embedded mode only: Pods bound to a node go to that node's local controller, which runs them as processes and
 * reports their status back. A Pod being deleted (deletionTimestamp set) goes down again; once the local controller
 * has stopped its process, the GM completes the deletion.
 */
import type { KubeObject, PodStatus, UpstreamMessage } from '@sedna/api';
import { NodeSync } from '../../channel/node-sync.js';
import { type ChannelRouter, objectMessage } from '../../channel/router.js';
import type { KindReader, ObjectCache } from '../../runtime/cache.js';
import { isNotFound, type ObjectClient } from '../../runtime/client.js';
import { type ControllerDeclaration, type ObjectKey, type Reconciler, splitKey } from '../../runtime/controller.js';
import { recordEvent } from '../../runtime/events.js';
import type { ObjectOf } from '../../runtime/kinds.js';
import { containerEvents } from './container-events.js';
import { ClaimResolver, claimWatches } from './claims.js';

/** What the LC reports for a pod. */
export interface PodReport {
  /** The uid of the pod the report is about: a new pod under the same name is not the one reported on. */
  uid: string;
  status: PodStatus;
  /** The LC stopped the process of a pod being deleted: the deletion can complete. */
  stopped?: boolean;
}

function nodeOf(pod: ObjectOf<'Pod'>): string | undefined {
  return pod.spec.nodeName || undefined;
}

export interface PodDeps {
  cache: ObjectCache;
  router: ChannelRouter;
  client: ObjectClient;
}

export class PodController implements Reconciler {
  static readonly declaration: ControllerDeclaration = { name: 'pod', for: 'Pod', watches: claimWatches };
  private readonly nodes: NodeSync;
  private readonly pods: KindReader<'Pod'>;
  private readonly client: ObjectClient;
  private readonly claims: ClaimResolver;

  constructor({ cache, router, client }: PodDeps) {
    this.pods = cache.of('Pod');
    this.client = client;
    this.claims = new ClaimResolver(cache);
    this.nodes = new NodeSync(router);
    router.addResyncContributor((node) => this.pods.list().filter((p) => nodeOf(p) === node).map((p) => objectMessage('insert', this.forNode(p))));
    router.handleUpstream('pod', (node, message) => this.upstream(node, message));
  }

  /** The pod as its node gets it: claims resolved to their volume's directory. */
  private forNode(pod: ObjectOf<'Pod'>): KubeObject {
    return this.claims.resolve(pod);
  }

  async reconcile(key: ObjectKey): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(name, namespace);
    // The spec of a pod is immutable; what its node needs again is a new incarnation or the start of its deletion.
    const claims = pod ? this.claims.fingerprint(pod) : '';
    this.nodes.sync(key, pod ? this.forNode(pod) : undefined, pod ? nodeOf(pod) : undefined, pod ? `${pod.metadata.uid}|${pod.metadata.deletionTimestamp ?? ''}|${claims}` : '');
  }

  private async upstream(node: string, message: UpstreamMessage): Promise<void> {
    const { namespace, resourceName } = message.header;
    const report = message.content as unknown as PodReport;
    if (!report.status || typeof report.status !== 'object') throw new Error(`pod report from ${node} for ${namespace}/${resourceName} has no status`);
    const pod = this.pods.get(resourceName, namespace);
    // A report about a pod already gone (or replaced by a new one of the same name) has nothing left to update.
    if (!pod || pod.metadata.uid !== report.uid) return;
    if (nodeOf(pod) !== node) throw new Error(`node ${node} reported pod ${namespace}/${resourceName}, which is bound to ${nodeOf(pod) ?? 'no node'}`);
    try {
      if (report.stopped && pod.metadata.deletionTimestamp) {
        await this.client.delete('Pod', namespace, resourceName, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
        return;
      }
      // The node reports its conditions; the ones others own (PodScheduled, by the scheduler) stay.
      const reported = new Set((report.status.conditions ?? []).map((c) => c.type));
      const kept = (pod.status?.conditions ?? []).filter((c) => !reported.has(c.type));
      await this.client.mergePatch('Pod', namespace, resourceName, { status: { ...report.status, conditions: [...kept, ...(report.status.conditions ?? [])] } }, 'status');
      // What a kubelet would say about the change, as Events on the Pod (aggregated: a crash loop is one that counts).
      // An Event that cannot be written is logged; it must not fail the status report it comes from.
      for (const e of containerEvents(pod, report.status)) {
        await recordEvent(this.client, pod, e.type, e.reason, e.message, 'kubelet', node).catch((err: unknown) => console.warn(`[gm] cannot record the event ${e.reason} of pod ${namespace}/${resourceName}: ${(err as Error).message}`));
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
