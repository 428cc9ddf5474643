/** Lifelong learning on this node: the triggers and round data where the job's dataset is. */
import type { DownstreamMessage } from '@sedna/api';
import type { LcFeature, LcManager } from '../feature.js';
import { stageJobOptions } from '../stagejob/feature-options.js';
import { LifelongLearningManager } from './manager.js';

const KIND = 'lifelonglearningjob';

export const lifelongLearningFeature: LcFeature = {
  name: 'lifelonglearning',
  kinds: [KIND],
  reportKinds: [KIND],
  manager: (ctx): LcManager => {
    const manager = new LifelongLearningManager(stageJobOptions(ctx, KIND));
    return {
      apply: async (message: DownstreamMessage) => {
        const key = `${message.header.namespace}/${message.header.resourceName}`;
        if (message.header.operation === 'delete') await manager.deleteJob(key);
        else manager.upsertJob(message.content);
      },
      datasetChanged: (key) => manager.datasetChanged(key),
      close: () => manager.close(),
    };
  },
};
