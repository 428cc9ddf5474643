/**
 * What the incremental and lifelong learning features of the LC share: the LcManager around a stage-job manager,
 * which applies the GM's inserts, updates and deletes of the feature's job kind and hears its dataset's changes.
 */
import type { DownstreamMessage } from '@sedna/api';
import type { LcManager } from '../feature.js';
import type { StageJob, StageJobManager } from './job-manager.js';

export interface StageJobFeatureHooks {
  /** Before a job's insert or update is applied (incremental learning makes its hot-update folder). */
  beforeUpsert?(message: DownstreamMessage): Promise<void>;
  /** A message of another kind the feature holds (incremental learning's Models). */
  applyOther?(message: DownstreamMessage): void;
}

export function stageJobLcManager<J extends StageJob>(jobKind: string, manager: StageJobManager<J>, hooks: StageJobFeatureHooks = {}): LcManager {
  return {
    apply: async (message: DownstreamMessage) => {
      if (message.header.resourceKind !== jobKind) {
        hooks.applyOther?.(message);
        return;
      }
      if (message.header.operation === 'delete') {
        await manager.deleteJob(`${message.header.namespace}/${message.header.resourceName}`);
        return;
      }
      await hooks.beforeUpsert?.(message);
      manager.upsertJob(message.content);
    },
    datasetChanged: (key) => manager.datasetChanged(key),
    close: () => manager.close(),
  };
}
