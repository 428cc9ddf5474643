export {
  IncrementalLearningManager,
  INCREMENTAL_LEARNING_KIND,
  type DatasetInfo,
  type IncrementalJobSummary,
  type IncrementalLearningManagerOptions,
} from './manager.js';
export type { IlPhase, IlStatus, IncrementalUpstreamContent, SendUpstream, UpstreamInput, UpstreamModel, UpstreamOutput } from './upstream.js';
export { ANNOTATION_HOT_UPDATE_CONFIG, ANNOTATION_STAGE_NODE, JobObjectError, parseJob, parseModel, type IlJob, type IlModel } from './job-object.js';
export { EVAL_VERSION_CAPACITY, SampleLedger, emptyLedger, type IngestResult, type LedgerState, type MalformedLine } from './sample-ledger.js';
export { sampleFormat, sampleLineCheck, csvFieldCount, type SampleFormat } from './sample-lines.js';
export { JobStateStore, freshState, STATE_VERSION, type JobState, type StageAction } from './state-store.js';
export { roundPaths, trainOutputDir, writeRoundData, type RoundDataFiles, type RoundDataRequest, type RoundKind } from './round-files.js';
export { copyModel, publishHotUpdate, HOT_UPDATE_CONTAINER_DIR, HOT_UPDATE_KEEP, type HotUpdatePublished, type HotUpdateRequest } from './model-files.js';
export { deployStats, type DeployStats } from './deploy-stats.js';
export { conditionMark, conditionData, type ConditionData } from './conditions.js';
export { PathPolicy, PathRefused } from './paths.js';
