/**
 * Dataset: downstream, each Dataset goes to the local controller of `spec.nodeName` (and is removed from a node it
 * left); upstream, the local controller's sample count becomes `status.numberOfSamples`, and a file it cannot read
 * becomes a Warning event on the Dataset (the last good count stays).
 */
import type { UpstreamMessage } from '@sedna/api';
import { rfc3339 } from '@sedna/api/runtime';
import { NodeSync } from '../../channel/node-sync.js';
import { type ChannelRouter, objectMessage } from '../../channel/router.js';
import type { KindReader, ObjectCache } from '../../runtime/cache.js';
import type { ObjectClient } from '../../runtime/client.js';
import type { ControllerDeclaration, ObjectKey, Reconciler } from '../../runtime/controller.js';
import { splitKey } from '../../runtime/controller.js';
import { recordEvent } from '../../runtime/events.js';
import type { ObjectOf } from '../../runtime/kinds.js';

/** What the LC reports for a dataset. */
export interface DatasetReport {
  numberOfSamples?: number;
  error?: { reason: string; message: string };
}

type Dataset = ObjectOf<'Dataset'>;

function nodeOf(ds: Dataset): string {
  return ds.spec.nodeName;
}

/** What, if changed, the node must be told again: the spec (generation) and annotations such as credentials. */
function fingerprint(ds: Dataset): string {
  return `${ds.metadata.generation ?? 0}|${JSON.stringify(ds.metadata.annotations ?? {})}|${ds.metadata.deletionTimestamp ?? ''}`;
}

export interface DatasetDeps {
  cache: ObjectCache;
  router: ChannelRouter;
  client: ObjectClient;
  log: (msg: string) => void;
}

export class DatasetController implements Reconciler {
  // A status update (its node's report, written by this GM) changes nothing the node must be told: no reconcile.
  static readonly declaration: ControllerDeclaration = { name: 'dataset', for: 'Dataset', forUpdated: (old, obj) => fingerprint(old as Dataset) !== fingerprint(obj as Dataset) };
  private readonly nodes: NodeSync;
  private readonly datasets: KindReader<'Dataset'>;
  private readonly client: ObjectClient;
  private readonly log: (msg: string) => void;

  constructor({ cache, router, client, log }: DatasetDeps) {
    this.datasets = cache.of('Dataset');
    this.client = client;
    this.log = log;
    this.nodes = new NodeSync(router);
    router.addResyncContributor((node) => this.datasets.list().filter((d) => nodeOf(d) === node).map((d) => objectMessage('insert', d)));
    router.handleUpstream('dataset', (node, message) => this.upstream(node, message));
  }

  async reconcile(key: ObjectKey): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ds = this.datasets.get(name, namespace);
    this.nodes.sync(key, ds, ds ? nodeOf(ds) : undefined, ds ? fingerprint(ds) : '');
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
    await this.client.mergePatch('Dataset', namespace, resourceName, { status: { numberOfSamples: report.numberOfSamples, updateTime: rfc3339() } }, 'status');
  }
}
