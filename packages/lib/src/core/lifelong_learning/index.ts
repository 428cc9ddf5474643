/**
 * Lifelong learning (sedna-reference §4.1, §4.5): LifelongLearning for the cloud train/eval and edge inference
 * workers, the knowledge base server and its client, the JSON index, and the sample formats.
 */
export { LifelongLearning } from './lifelong-learning.js';
export type { LifelongLearningOptions } from './lifelong-learning.js';
export type { LifelongTrainResult } from './cloud-train.js';
export type { GroupEvaluation, LifelongEvalResult } from './cloud-evaluate.js';
export { UNSEEN_ESTIMATOR_GROUP } from './edge-inference.js';
export type { LifelongInferenceResult, SampleOutcome, UnseenReason } from './edge-inference.js';
export { EdgeKnowledge } from './edge-knowledge.js';
export type { EdgeKnowledgeOptions } from './edge-knowledge.js';
export { LoadedKnowledge } from './loaded-knowledge.js';
export type { EstimatorFactory, OpenKnowledgeOptions } from './loaded-knowledge.js';
export { ArtifactStore, safeName } from './artifact-store.js';
export type { ArtifactStoreOptions, PublishedIndex } from './artifact-store.js';
export { KBClient, KBError } from './kb-client.js';
export type { KBClientOptions, KbQueryResult } from './kb-client.js';
export {
  KB_INDEX_FORMAT,
  KB_INDEX_NAME,
  KbIndexError,
  SEEN_TASK,
  UNSEEN_TASK,
  allGroups,
  newCreateTime,
  parseKbIndex,
  withDeployStatus,
} from './kb-index.js';
export type { KbIndex, KbModelRecord, KbRelationRecord, KbSamplesRecord, KbStatistics, KbTaskGroupRecord, KbTaskRecord, KbTaskSection, TaskSectionName } from './kb-index.js';
export { DEFAULT_KB_PORT, KB_BASE_PATH, downloadPath } from './kb-server/protocol.js';
export { SAMPLES_FORMAT, decodeSampleSet, encodeSampleSet } from './sample-files.js';
export { defaultBaseDir, loadCsvSamples } from './csv-samples.js';
export type { CsvSampleOptions } from './csv-samples.js';
export { METRIC_NAMES, computeMetric, deployRule, metricSettings, predictedClasses, satisfies } from './evaluation-metrics.js';
export type { DeployRule, MetricAverage, MetricName, MetricSettings } from './evaluation-metrics.js';
export { DEFAULT_EDGE_KB_DIR, DEFAULT_EDGE_POLL_PERIOD_SECONDS, lifelongSettingsFromEnv } from './settings.js';
export type { LifelongSettings } from './settings.js';
export { LifelongReporter, indexResult } from './reports.js';
export type { LifelongModelResult } from './reports.js';
export { UNSEEN_INDEX_NAME, UnseenSampleWriter } from './unseen-samples.js';
export type { UnseenSampleDetail, UnseenSamplePostprocess, UnseenSampleWriterOptions } from './unseen-samples.js';
// The knowledge base's server side (SQLite) is its own entry point, '@sedna/lib/knowledge-base': a lifelong
// learning worker is its client and does not load it.
