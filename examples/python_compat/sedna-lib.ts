/**
 * The parts of this project's lib the TypeScript workers of these tests use, from the lib's sources (the workers run
 * with `node --import tsx` straight from the checkout). A worker outside this repository imports them from '@sedna/lib'.
 */
export { BigModelService, JointInference } from '../../packages/lib/src/core/joint_inference/index.js';
export { aggregationServerFromEnv, FederatedLearning } from '../../packages/lib/src/core/federated_learning/index.js';
export { MlpEstimator } from '../../packages/lib/src/backend/mlp/estimator.js';
export type { ModelSpec } from '../../packages/lib/src/backend/model-spec.js';
export { syntheticClasses } from '../../packages/lib/src/backend/test-data.js';
export type { Tensor } from '../../packages/lib/src/core/estimator.js';
