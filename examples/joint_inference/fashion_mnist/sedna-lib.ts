/**
 * The parts of the Sedna lib this example uses, imported from the lib's sources: the workers run with
 * `node --import tsx` straight from the checkout (no build), and load only what they need (the edge and cloud
 * workers never load TensorFlow.js). A worker program outside this repository imports the same names from
 * '@sedna/lib'.
 */
export { BigModelClient, BigModelService, JointInference } from '../../../packages/lib/src/core/joint_inference/index.js';
export type { JointInferenceOutcome } from '../../../packages/lib/src/core/joint_inference/index.js';
export { OnnxEstimator } from '../../../packages/lib/src/backend/onnx/estimator.js';
export type { ModelSpec } from '../../../packages/lib/src/backend/model-spec.js';
export { Context } from '../../../packages/lib/src/common/config.js';
export type { Env, MiningMode } from '../../../packages/lib/src/common/config.js';
export type { Tensor } from '../../../packages/lib/src/core/estimator.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, FASHION_MNIST_SPLIT_SIZES, loadFashionMnist } from '../../../packages/lib/src/datasources/fashion-mnist.js';
export type { FashionMnistSlice } from '../../../packages/lib/src/datasources/fashion-mnist.js';
