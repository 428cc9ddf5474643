export { LifelongLearningManager, LIFELONG_LEARNING_KIND, deployIndexPath, evalOutputDir } from './manager.js';
export { parseLifelongJob, type LlJob } from './job-object.js';
