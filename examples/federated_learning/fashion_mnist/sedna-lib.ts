/**
 * The parts of the Sedna lib this example uses, imported from the lib's sources: the workers run with
 * `node --import tsx` straight from the checkout, with no build. A worker program outside this repository imports
 * the same names from '@sedna/lib'.
 */
export { aggregationServerFromEnv, FederatedLearning } from '@sedna/lib/federated-learning';
export type { RoundRecord } from '@sedna/lib/federated-learning';
export { MlpEstimator } from '@sedna/lib/estimators/mlp';
export type { ModelSpec } from '@sedna/lib/model-spec';
export { Context } from '@sedna/lib/common';
export type { Env } from '@sedna/lib/common';
export type { Tensor, WeightTensor } from '@sedna/lib/common';
export { loadFashionMnist, FASHION_MNIST_SPLIT_SIZES } from '@sedna/lib/datasources';
export { readImageSet, writeImageSet } from '@sedna/lib/datasources';
export { classHistogram, partitionByClass, partitionDirichlet, partitionIid } from '@sedna/lib/datasources';
export { OnnxEstimator } from '@sedna/lib/estimators/onnx';
