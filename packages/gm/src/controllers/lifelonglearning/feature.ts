/** LifelongLearningJob on the stage-job controller. */
import { stageJobFeature } from '../stagejob/feature.js';
import { lifelongLearning } from './controller.js';

export const lifelongLearningFeature = stageJobFeature('lifelonglearning', lifelongLearning);
