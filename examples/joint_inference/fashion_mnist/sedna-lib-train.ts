/**
 * The training side of the Sedna lib this example uses (kept apart from ./sedna-lib.ts because the trainer's
 * model IO loads TensorFlow.js, which the inference workers do not need). Outside this repository: '@sedna/lib'.
 */
export { MlpEstimator } from '../../../packages/lib/src/backend/mlp/estimator.js';
export { saveOnnx } from '../../../packages/lib/src/onnx/export.js';
