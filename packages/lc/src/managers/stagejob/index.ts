export { StageJobManager, type DatasetInfo, type JobEntry, type Recheck, type StageJob, type StageJobManagerOptions, type StageJobSummary, type TrainModels } from './job-manager.js';
export type { SendUpstream, StagePhase, StageStatus, StageUpstreamContent, UpstreamInput, UpstreamModel, UpstreamOutput } from './upstream.js';
export { ANNOTATION_STAGE_NODE, JobObjectError, metadataOf, parseStageStatus, parseModel, type ObjectMeta, type StageModel } from './objects.js';
export { EVAL_VERSION_CAPACITY, SampleLedger, emptyLedger, type IngestResult, type LedgerState, type MalformedLine } from './sample-ledger.js';
export { sampleFormat, sampleLineCheck, csvFieldCount, type SampleFormat } from './sample-lines.js';
export { JobStateStore, freshState, STATE_VERSION, type JobState, type StageAction } from './state-store.js';
export { roundPaths, trainOutputDir, writeRoundData, type RoundDataFiles, type RoundDataRequest, type RoundKind } from './round-files.js';
export { copyModel, publishHotUpdate, HOT_UPDATE_CONTAINER_DIR, HOT_UPDATE_KEEP, type HotUpdatePublished, type HotUpdateRequest } from './model-files.js';
export { PathPolicy, PathRefused } from './paths.js';
