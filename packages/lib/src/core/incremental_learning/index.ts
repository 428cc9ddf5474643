/**
 * Incremental learning, worker side (reference §4.1): train, evaluate and inference with hard example mining and
 * hot model update. The local controller's side is packages/lc/src/managers/incrementallearning.
 */
export { IncrementalLearning, INCREMENTAL_OWNER_KIND, probabilities } from './incremental-learning.js';
export type {
  IncrementalEvaluateOptions,
  IncrementalInferenceOptions,
  IncrementalInferenceResult,
  IncrementalLearningOptions,
  IncrementalTrainOptions,
  IncrementalTrainResult,
  LabelledData,
  ModelSaver,
} from './incremental-learning.js';
export { onnxSaver } from './savers.js';
export { HardExampleWriter, HARD_EXAMPLE_INDEX, encodeSample } from './hard-examples.js';
export type { HardExample, HardExampleStore, HardExampleWriterOptions } from './hard-examples.js';
export { modelFormatOf, modelResult, withoutPathPrefix } from './model-info.js';
export type { ReportedMetrics } from './model-info.js';
export { argmax, classificationReport, evaluateClassifier } from './classification-report.js';
export type { ClassificationReport } from './classification-report.js';
