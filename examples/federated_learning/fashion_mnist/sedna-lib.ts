/**
 * The parts of the Sedna lib this example uses, imported from the lib's sources: the workers run with
 * `node --import tsx` straight from the checkout, with no build. A worker program outside this repository imports
 * the same names from '@sedna/lib'.
 */
export { aggregationServerFromEnv, FederatedLearning } from '../../../packages/lib/src/core/federated_learning/index.js';
export type { RoundRecord } from '../../../packages/lib/src/core/federated_learning/index.js';
export { MlpEstimator } from '../../../packages/lib/src/backend/mlp/estimator.js';
export type { ModelSpec } from '../../../packages/lib/src/backend/model-spec.js';
export { Context } from '../../../packages/lib/src/common/config.js';
export type { Env } from '../../../packages/lib/src/common/config.js';
export type { Tensor, WeightTensor } from '../../../packages/lib/src/core/estimator.js';
export { loadFashionMnist, FASHION_MNIST_SPLIT_SIZES } from '../../../packages/lib/src/datasources/fashion-mnist.js';
export { readImageSet, writeImageSet } from '../../../packages/lib/src/datasources/image-files.js';
export { classHistogram, partitionByClass, partitionDirichlet, partitionIid } from '../../../packages/lib/src/datasources/partition.js';
export { OnnxEstimator } from '../../../packages/lib/src/backend/onnx/estimator.js';
