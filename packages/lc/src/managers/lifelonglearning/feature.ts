/** Lifelong learning on this node: the triggers and round data where the job's dataset is. */
import type { LcFeature } from '../feature.js';
import { stageJobLcManager } from '../stagejob/feature.js';
import { stageJobOptions } from '../stagejob/feature-options.js';
import { LifelongLearningManager } from './manager.js';

const KIND = 'lifelonglearningjob';

export const lifelongLearningFeature: LcFeature = {
  name: 'lifelonglearning',
  kinds: [KIND],
  reportKinds: [KIND],
  manager: (ctx) => stageJobLcManager(KIND, new LifelongLearningManager(stageJobOptions(ctx, KIND))),
};
