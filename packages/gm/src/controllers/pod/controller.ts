/**
 * Embedded mode only: Pods bound to a node go to that node's local controller, which runs them as processes and
 * reports their status back. A Pod being deleted (deletionTimestamp set) goes down again; once the local controller
 * has stopped its process, the GM completes the deletion.
 */
import type { KubeObject, PodStatus, UpstreamMessage } from '@sedna/api';
import { NodeSync } from '../../channel/node-sync.js';
import { type ChannelRouter, objectMessage } from '../../channel/router.js';
import { isNotFound, type KubeClient } from '../../runtime/client.js';
import { type Controller, type ObjectKey, self, splitKey } from '../../runtime/controller.js';
import type { ResourceInformer } from '../../runtime/informer.js';
import { recordEvent } from '../../runtime/events.js';
import { podTransitionEvents } from './pod-events.js';

/** What the LC reports for a pod. */
export interface PodReport {
  /** The uid of the pod the report is about: a new pod under the same name is not the one reported on. */
  uid: string;
  status: PodStatus;
  /** The LC stopped the process of a pod being deleted: the deletion can complete. */
  stopped?: boolean;
}

function nodeOf(pod: KubeObject): string | undefined {
  return (pod['spec'] as { nodeName?: string } | undefined)?.nodeName || undefined;
}

export class PodController implements Controller {
  readonly name = 'pod';
  private readonly nodes: NodeSync;

  constructor(
    private readonly pods: ResourceInformer,
    router: ChannelRouter,
    private readonly client: KubeClient,
  ) {
    this.nodes = new NodeSync(router);
    router.addResyncContributor((node) => this.pods.list().filter((p) => nodeOf(p) === node).map((p) => objectMessage('insert', p)));
    router.handleUpstream('pod', (node, message) => this.upstream(node, message));
  }

  watches() {
    return [{ informer: this.pods, map: self }];
  }

  async reconcile(key: ObjectKey): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(name, namespace);
    // The spec of a pod is immutable; what its node needs again is a new incarnation or the start of its deletion.
    this.nodes.sync(key, pod, pod ? nodeOf(pod) : undefined, pod ? `${pod.metadata.uid}|${pod.metadata.deletionTimestamp ?? ''}` : '');
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
      await this.client.mergePatch('Pod', namespace, resourceName, { status: report.status }, 'status');
      for (const e of podTransitionEvents(pod['status'] as PodStatus | undefined, report.status)) {
        await recordEvent(this.client, pod, e.type, e.reason, e.message, `sedna-lc/${node}`).catch((err: unknown) => console.warn(`[gm] cannot record the event ${e.reason} of pod ${namespace}/${resourceName}: ${(err as Error).message}`));
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
