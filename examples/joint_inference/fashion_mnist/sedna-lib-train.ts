/**
 * The training side of the Sedna lib this example uses (kept apart from ./sedna-lib.ts because the trainer's
 * model IO loads TensorFlow.js, which the inference workers do not need). Outside this repository: '@sedna/lib'.
 */
export { MlpEstimator } from '@sedna/lib/estimators/mlp';
export { saveOnnx } from '@sedna/lib/onnx';
