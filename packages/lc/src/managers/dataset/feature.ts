/** Datasets on this node: their sample counts (and unreadable files) reported to the GM. */
import type { DownstreamMessage } from '@sedna/api';
import type { LcFeature, LcFeatureContext, LcManager } from '../feature.js';
import { DatasetManager, type DatasetObject } from './dataset-manager.js';

export class DatasetFeatureManager implements LcManager {
  readonly datasets: DatasetManager;

  constructor(private readonly ctx: LcFeatureContext) {
    this.datasets = new DatasetManager({
      roots: ctx.datasetRoots,
      nodeName: ctx.nodeName,
      ...(ctx.datasetCheckIntervalMs ? { checkIntervalMs: ctx.datasetCheckIntervalMs } : {}),
      onSampleCount: (ref, status) => {
        ctx.upstream('dataset', ref.namespace, ref.name, status);
        ctx.datasetChanged(`${ref.namespace}/${ref.name}`);
      },
      onError: (ref, error) => ctx.upstream('dataset', ref.namespace, ref.name, { error: { reason: error.reason, message: error.message } }),
      warn: (m) => ctx.log(m),
    });
  }

  async apply(message: DownstreamMessage): Promise<void> {
    const { namespace, resourceName } = message.header;
    if (message.header.operation === 'delete') this.datasets.delete({ namespace, name: resourceName });
    else this.datasets.upsert(message.content as unknown as DatasetObject);
    this.ctx.datasetChanged(`${namespace}/${resourceName}`);
  }

  close(): void {
    this.datasets.close();
  }
}

export const datasetFeature: LcFeature = {
  name: 'dataset',
  kinds: ['dataset'],
  reportKinds: [],
  manager: (ctx) => new DatasetFeatureManager(ctx),
};
