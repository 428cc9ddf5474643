/**
 * Incremental learning on this node: the triggers and round data where the job's dataset is, the hot update where
 * its inference worker is; it also holds the job's Models.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HOT_UPDATE_CONFIG_ANNOTATION } from '@sedna/api';
import { errorMessage, isObject } from '@sedna/api/runtime';
import type { LcFeature } from '../feature.js';
import { stageJobLcManager } from '../stagejob/feature.js';
import { stageJobOptions } from '../stagejob/feature-options.js';
import { IncrementalLearningManager } from './manager.js';

const KIND = 'incrementallearningjob';

export const incrementalLearningFeature: LcFeature = {
  name: 'incrementallearning',
  kinds: [KIND, 'model'],
  reportKinds: [KIND],
  manager: (ctx) => {
    const manager = new IncrementalLearningManager(stageJobOptions(ctx, KIND));
    return stageJobLcManager(KIND, manager, {
      applyOther: (message) => {
        const key = `${message.header.namespace}/${message.header.resourceName}`;
        if (message.header.operation === 'delete') manager.deleteModel(key);
        else manager.upsertModel(message.content);
      },
      // The hot-update folder exists before the inference worker starts, so it can watch it (DirectoryOrCreate).
      beforeUpsert: async (message) => {
        // (A job without metadata is refused by upsertJob, which says why.)
        const { metadata } = message.content;
        const config = isObject(metadata) && isObject(metadata['annotations']) ? metadata['annotations'][HOT_UPDATE_CONFIG_ANNOTATION] : undefined;
        if (typeof config === 'string' && config !== '') await mkdir(dirname(config), { recursive: true }).catch((err: unknown) => ctx.log(`cannot create the hot-update folder of ${config}: ${errorMessage(err)}`));
      },
    });
  },
};
