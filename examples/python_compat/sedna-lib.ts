/**
 * The parts of this project's lib the TypeScript workers of these tests use, from the lib's sources (the workers run
 * with `node --import tsx` straight from the checkout). A worker outside this repository imports them from '@sedna/lib'.
 */
export { BigModelService, JointInference } from '@sedna/lib/joint-inference';
export { aggregationServerFromEnv, FederatedLearning } from '@sedna/lib/federated-learning';
export { MlpEstimator } from '@sedna/lib/estimators/mlp';
export type { ModelSpec } from '@sedna/lib/model-spec';
export { syntheticClasses } from '@sedna/lib/datasources';
export type { Tensor } from '@sedna/lib/common';
