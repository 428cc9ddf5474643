/**
 * The parts of the Sedna lib this example uses, from the lib's entry points rather than its root: the root loads
 * every backend, TensorFlow.js included (seconds of a worker's start), and these workers train with the mlp
 * estimator and infer with ONNX Runtime.
 */
export * from '@sedna/lib/common';
export * from '@sedna/lib/datasources';
export * from '@sedna/lib/incremental-learning';
export { resolveModelPath } from '@sedna/lib/hotupdate';
export { MlpEstimator } from '@sedna/lib/estimators/mlp';
export { OnnxEstimator } from '@sedna/lib/estimators/onnx';
export { saveOnnx } from '@sedna/lib/onnx';
export type { ModelSpec } from '@sedna/lib/model-spec';
