export {
  IncrementalLearningManager,
  INCREMENTAL_LEARNING_KIND,
  type DatasetInfo,
  type IncrementalJobSummary,
  type IncrementalLearningManagerOptions,
} from './manager.js';
export { ANNOTATION_HOT_UPDATE_CONFIG, parseJob, type IlJob, type IlModel } from './job-object.js';
export { deployStats, type DeployStats } from './deploy-stats.js';
// The parts shared with lifelong learning, under the names this feature has always exported.
export type {
  StagePhase as IlPhase,
  StageStatus as IlStatus,
  StageUpstreamContent as IncrementalUpstreamContent,
  SendUpstream,
  UpstreamInput,
  UpstreamModel,
  UpstreamOutput,
} from '../stagejob/upstream.js';
export * from '../stagejob/index.js';
