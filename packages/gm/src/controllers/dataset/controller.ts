/**
 * Dataset: downstream, each Dataset goes to the local controller of `spec.nodeName` (and is removed from a node it
 * left); upstream, the local controller's sample count becomes `status.numberOfSamples`, and a file it cannot read
 * becomes a Warning event on the Dataset (the last good count stays).
 */
import type { DatasetSpec, KubeObject, UpstreamMessage } from '@sedna/api';
import { type ChannelRouter, objectMessage } from '../../channel/router.js';
import type { KubeClient } from '../../runtime/client.js';
import { type Controller, type ObjectKey, self, splitKey } from '../../runtime/controller.js';
import { recordEvent } from '../../runtime/events.js';
import type { ResourceInformer } from '../../runtime/informer.js';

/** What the LC reports for a dataset. */
export interface DatasetReport {
  numberOfSamples?: number;
  error?: { reason: string; message: string };
}

function nodeOf(ds: KubeObject): string {
  return (ds['spec'] as DatasetSpec).nodeName;
}

/** What, if changed, the node must be told again: the spec (generation) and annotations such as credentials. */
function fingerprint(ds: KubeObject): string {
  return `${ds.metadata.generation ?? 0}|${JSON.stringify(ds.metadata.annotations ?? {})}|${ds.metadata.deletionTimestamp ?? ''}`;
}

export class DatasetController implements Controller {
  readonly name = 'dataset';
  private readonly sent = new Map<ObjectKey, { node: string; fingerprint: string; stub: KubeObject }>();

  constructor(
    private readonly datasets: ResourceInformer,
    private readonly router: ChannelRouter,
    private readonly client: KubeClient,
    private readonly log: (msg: string) => void,
  ) {
    router.addResyncContributor((node) => this.datasets.list().filter((d) => nodeOf(d) === node).map((d) => objectMessage('insert', d)));
    router.handleUpstream('dataset', (node, message) => this.upstream(node, message));
  }

  watches() {
    return [{ informer: this.datasets, map: self }];
  }

  async reconcile(key: ObjectKey): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ds = this.datasets.get(name, namespace);
    const previous = this.sent.get(key);
    if (!ds) {
      if (previous) this.router.send(previous.node, 'delete', previous.stub);
      this.sent.delete(key);
      return;
    }
    const node = nodeOf(ds);
    if (previous && previous.node !== node) this.router.send(previous.node, 'delete', ds);
    const print = fingerprint(ds);
    if (previous?.node === node && previous.fingerprint === print) return;
    this.router.send(node, previous ? 'update' : 'insert', ds);
    this.sent.set(key, { node, fingerprint: print, stub: { apiVersion: ds.apiVersion, kind: ds.kind, metadata: { name, namespace } } });
  }

  private async upstream(node: string, message: UpstreamMessage): Promise<void> {
    const { namespace, resourceName } = message.header;
    const report = message.content as DatasetReport;
    const ds = this.datasets.get(resourceName, namespace);
    if (!ds) throw new Error(`dataset ${namespace}/${resourceName} is unknown`);
    if (nodeOf(ds) !== node) throw new Error(`node ${node} reported dataset ${namespace}/${resourceName}, which belongs to node ${nodeOf(ds)}`);
    if (report.error) {
      this.log(`dataset ${namespace}/${resourceName} on ${node}: ${report.error.message}`);
      await recordEvent(this.client, ds, 'Warning', report.error.reason, report.error.message);
      return;
    }
    if (typeof report.numberOfSamples !== 'number' || !Number.isInteger(report.numberOfSamples) || report.numberOfSamples < 0) {
      throw new Error(`dataset report from ${node} for ${namespace}/${resourceName} has no valid numberOfSamples`);
    }
    await this.client.mergePatch('Dataset', namespace, resourceName, { status: { numberOfSamples: report.numberOfSamples, updateTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') } }, 'status');
  }
}
