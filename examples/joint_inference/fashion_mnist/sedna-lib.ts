/**
 * The parts of the Sedna lib this example uses, imported from the lib's sources: the workers run with
 * `node --import tsx` straight from the checkout (no build), and load only what they need (the edge and cloud
 * workers never load TensorFlow.js). A worker program outside this repository imports the same names from
 * '@sedna/lib'.
 */
export { BigModelClient, BigModelService, JointInference } from '@sedna/lib/joint-inference';
export type { JointInferenceOutcome } from '@sedna/lib/joint-inference';
export { OnnxEstimator } from '@sedna/lib/estimators/onnx';
export type { ModelSpec } from '@sedna/lib/model-spec';
export { Context } from '@sedna/lib/common';
export type { Env, MiningMode } from '@sedna/lib/common';
export type { Tensor } from '@sedna/lib/common';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, FASHION_MNIST_SPLIT_SIZES, loadFashionMnist } from '@sedna/lib/datasources';
export type { FashionMnistSlice } from '@sedna/lib/datasources';
