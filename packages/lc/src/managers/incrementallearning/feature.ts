/**
 * Incremental learning on this node: the triggers and round data where the job's dataset is, the hot update where
 * its inference worker is; it also holds the job's Models.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type DownstreamMessage, HOT_UPDATE_CONFIG_ANNOTATION } from '@sedna/api';
import type { LcFeature, LcManager } from '../feature.js';
import { stageJobOptions } from '../stagejob/feature-options.js';
import { IncrementalLearningManager } from './manager.js';

const KIND = 'incrementallearningjob';

export const incrementalLearningFeature: LcFeature = {
  name: 'incrementallearning',
  kinds: [KIND, 'model'],
  reportKinds: [KIND],
  manager: (ctx): LcManager => {
    const manager = new IncrementalLearningManager(stageJobOptions(ctx, KIND));
    return {
      apply: async (message: DownstreamMessage) => {
        const key = `${message.header.namespace}/${message.header.resourceName}`;
        if (message.header.resourceKind === 'model') {
          if (message.header.operation === 'delete') manager.deleteModel(key);
          else manager.upsertModel(message.content);
          return;
        }
        if (message.header.operation === 'delete') {
          await manager.deleteJob(key);
          return;
        }
        // The hot-update folder exists before the inference worker starts, so it can watch it (DirectoryOrCreate).
        const config = (message.content['metadata'] as { annotations?: Record<string, string> } | undefined)?.annotations?.[HOT_UPDATE_CONFIG_ANNOTATION];
        if (config) await mkdir(dirname(config), { recursive: true }).catch((err: unknown) => ctx.log(`cannot create the hot-update folder of ${config}: ${(err as Error).message}`));
        manager.upsertJob(message.content);
      },
      datasetChanged: (key) => manager.datasetChanged(key),
      close: () => manager.close(),
    };
  },
};
