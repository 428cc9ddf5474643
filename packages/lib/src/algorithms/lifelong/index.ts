/**
 * The pluggable algorithms of lifelong learning, registered under the original ClassType strings (STP, UTD, UTP,
 * KM). Importing this module registers them. See README.md for what each one does.
 */
import { ClassFactory, ClassType, type Registrable } from '../../common/class-factory.js';
import { DefaultInferenceIntegrate } from './inference-integrate.js';
import { TaskAllocationByCluster, TaskAllocationByDataAttr, TaskAllocationByOrigin, TaskAllocationDefault } from './task-allocation.js';
import { TaskDefinitionByCluster, TaskDefinitionByDataAttr, TaskDefinitionByOrigin } from './task-definition.js';
import { DefaultTaskRelationDiscover, TaskRelationDiscoverBySimilarity } from './task-relation.js';
import { DefaultTaskRemodeling } from './task-remodeling.js';
import { UpdateStrategyByFinetune, UpdateStrategyDefault } from './task-update-decision.js';
import { SampleReRecognitionByAllocation, SampleReRecognitionByDistance } from './unseen-sample-re-recognition.js';
import { SampleRecognitionByConfidence, SampleRecognitionByDistance, SampleRecognitionByTaskAttr } from './unseen-sample-recognition.js';
import { UnseenTaskAllocationByConfidence, UnseenTaskAllocationByNearestTask } from './unseen-task-allocation.js';

export * from './artifacts.js';
export * from './sample-set.js';
export * from './params.js';
export * from './types.js';
export * from './slots.js';
export * from './task-profile.js';
export { kMeans, meanVector, nearestCentroid, percentiles, quantileOfSorted, squaredDistance } from './vector-math.js';
export type { KMeansOptions, KMeansResult } from './vector-math.js';
export { mostConfidentTask, nearestProfiledTask, profiledTasks } from './profile-scoring.js';
export type { NearestTask, ProfiledTask } from './profile-scoring.js';
export { TaskDefinitionByCluster, TaskDefinitionByDataAttr, TaskDefinitionByOrigin };
export { DefaultTaskRelationDiscover, TaskRelationDiscoverBySimilarity };
export { TaskAllocationByCluster, TaskAllocationByDataAttr, TaskAllocationByOrigin, TaskAllocationDefault };
export { DefaultTaskRemodeling, DefaultInferenceIntegrate };
export { SampleRecognitionByConfidence, SampleRecognitionByDistance, SampleRecognitionByTaskAttr };
export { SampleReRecognitionByAllocation, SampleReRecognitionByDistance };
export { UnseenTaskAllocationByConfidence, UnseenTaskAllocationByNearestTask };
export { UpdateStrategyByFinetune, UpdateStrategyDefault, nearestKnownTask } from './task-update-decision.js';

/** Registry type, alias, class. The original's default names ("Regonition" sic) resolve to real algorithms. */
const REGISTRATIONS: readonly (readonly [string, string, Registrable])[] = [
  [ClassType.STP, 'TaskDefinitionByDataAttr', TaskDefinitionByDataAttr],
  [ClassType.STP, 'TaskDefinitionByCluster', TaskDefinitionByCluster],
  [ClassType.STP, 'TaskDefinitionByOrigin', TaskDefinitionByOrigin],
  [ClassType.STP, 'DefaultTaskRelationDiscover', DefaultTaskRelationDiscover],
  [ClassType.STP, 'TaskRelationDiscoverBySimilarity', TaskRelationDiscoverBySimilarity],
  [ClassType.STP, 'TaskAllocationDefault', TaskAllocationDefault],
  [ClassType.STP, 'TaskAllocationByDataAttr', TaskAllocationByDataAttr],
  [ClassType.STP, 'TaskAllocationByCluster', TaskAllocationByCluster],
  [ClassType.STP, 'TaskAllocationByOrigin', TaskAllocationByOrigin],
  [ClassType.STP, 'DefaultTaskRemodeling', DefaultTaskRemodeling],
  [ClassType.STP, 'DefaultInferenceIntegrate', DefaultInferenceIntegrate],
  [ClassType.UTD, 'SampleRecognitionByDistance', SampleRecognitionByDistance],
  [ClassType.UTD, 'SampleRegonitionDefault', SampleRecognitionByDistance],
  [ClassType.UTD, 'SampleRecognitionByConfidence', SampleRecognitionByConfidence],
  [ClassType.UTD, 'SampleRecognitionByTaskAttr', SampleRecognitionByTaskAttr],
  [ClassType.UTD, 'SampleReRecognitionByAllocation', SampleReRecognitionByAllocation],
  [ClassType.UTD, 'SampleReRegonitionDefault', SampleReRecognitionByAllocation],
  [ClassType.UTD, 'SampleReRecognitionByDistance', SampleReRecognitionByDistance],
  [ClassType.UTP, 'UnseenTaskAllocationByNearestTask', UnseenTaskAllocationByNearestTask],
  [ClassType.UTP, 'UnseenTaskAllocationDefault', UnseenTaskAllocationByNearestTask],
  [ClassType.UTP, 'UnseenTaskAllocationByConfidence', UnseenTaskAllocationByConfidence],
  [ClassType.KM, 'UpdateStrategyDefault', UpdateStrategyDefault],
  [ClassType.KM, 'UpdateStrategyByFinetune', UpdateStrategyByFinetune],
];

/** Registers every built-in lifelong algorithm (idempotent). */
export function registerLifelongAlgorithms(): void {
  for (const [type, alias, cls] of REGISTRATIONS) ClassFactory.register(type, alias)(cls);
}

registerLifelongAlgorithms();
