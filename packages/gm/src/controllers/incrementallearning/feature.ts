/** IncrementalLearningJob on the stage-job controller. */
import { stageJobFeature } from '../stagejob/feature.js';
import { incrementalLearning } from './controller.js';

export const incrementalLearningFeature = stageJobFeature('incrementallearning', incrementalLearning);
