/** Everything a lifelong learning step works with: settings, the slot algorithms, models, storage and reporting. */
import type { TaskProfileOptions } from '../../algorithms/lifelong/task-profile.js';
import type {
  InferenceIntegrate,
  TaskAllocation,
  TaskDefinition,
  TaskRelationDiscovery,
  TaskRemodeling,
  TaskUpdateDecision,
  UnseenSampleReRecognition,
  UnseenSampleRecognition,
  UnseenTaskAllocation,
} from '../../algorithms/lifelong/types.js';
import type { Storage } from '../../storage/storage.js';
import type { Estimator, TrainOptions } from '../estimator.js';
import type { KBClient } from './kb-client.js';
import type { EstimatorFactory } from './loaded-knowledge.js';
import type { LifelongReporter } from './reports.js';
import type { LifelongSettings } from './settings.js';

export interface LifelongAlgorithms {
  taskDefinition: TaskDefinition;
  taskRelationshipDiscovery: TaskRelationDiscovery;
  taskAllocation: TaskAllocation;
  taskRemodeling: TaskRemodeling;
  inferenceIntegrate: InferenceIntegrate;
  taskUpdateDecision: TaskUpdateDecision;
  unseenTaskAllocation: UnseenTaskAllocation;
  unseenSampleRecognition: UnseenSampleRecognition;
  unseenSampleReRecognition: UnseenSampleReRecognition;
}

export interface LifelongParts {
  settings: LifelongSettings;
  algorithms: LifelongAlgorithms;
  seenEstimator: EstimatorFactory;
  /** Answers unseen samples instead of the nearest seen task's model, when given. */
  unseenEstimator: Estimator | undefined;
  trainOptions: TrainOptions;
  profileOptions: TaskProfileOptions;
  /** Class names for reports and the index (default: the label numbers seen in training). */
  classes: readonly string[] | undefined;
  storage: Storage;
  kb: KBClient | undefined;
  reporter: LifelongReporter;
  log: (line: string) => void;
}
