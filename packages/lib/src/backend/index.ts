// Estimator backends of the worker SDK: TensorFlow.js (wasm/cpu), a WebAssembly SIMD dense-network trainer (mlp)
// and ONNX Runtime for inference, plus what they share (model specs, model URLs, backend selection).
export {
  ACTIVATIONS,
  ModelSpecError,
  convOutputSize,
  finalActivation,
  layerName,
  outputShapeOf,
  resolveLayers,
  samePadding,
  validateModelSpec,
  weightShapes,
} from './model-spec.js';
export type {
  Activation,
  Conv2DLayerSpec,
  DenseLayerSpec,
  DropoutLayerSpec,
  FlattenLayerSpec,
  LayerSpec,
  LayerType,
  ModelSpec,
  Padding,
  Pool2DLayerSpec,
  ResolvedLayer,
  Size2D,
  WeightShape,
} from './model-spec.js';
export { checkBatch, checkLabels, classificationMetrics } from './batch.js';
export type { OutputKind } from './batch.js';
export { TRAIN_DEFAULTS, resolveTrainOptions } from './train-options.js';
export type { BackendTrainOptions, BatchProgress, OptimizerName, ResolvedTrainOptions } from './train-options.js';
export { isRemoteUrl, localPathOf, setRemoteModelStorage } from './model-location.js';
export type { RemoteModelStorage } from './model-location.js';
export { BACKEND_TYPES, BackendUnavailableError, DEFAULT_BACKEND_TYPE, selectBackend } from './backend-env.js';
export type { BackendFramework, BackendSelection, DeviceCategory } from './backend-env.js';
export { createEstimator } from './factory.js';
export type { CreateEstimatorOptions, CreatedEstimator } from './factory.js';
export { TfjsEstimator } from './tfjs/estimator.js';
export type { TfjsEstimatorOptions } from './tfjs/estimator.js';
export { engineFor, missingTrainingKernels, useEngine } from './tfjs/engine.js';
export type { TfjsEngine, TfjsEngineChoice } from './tfjs/engine.js';
export { buildLayersModel, specFromLayersModel } from './tfjs/layers.js';
export { loadSpecModel, saveSpecModel } from './model-files.js';
export { specFromTopology, topologyFromSpec } from './keras-topology.js';
export { registerWasmConvFilterGrad } from './tfjs/wasm-conv-filter-grad.js';
export { installWasmKernelOverrides } from './tfjs/wasm-kernel-overrides.js';
export { MlpEstimator } from './mlp/estimator.js';
export type { MlpEstimatorOptions } from './mlp/estimator.js';
export { MlpSpecError, mlpSupports } from './mlp/network.js';
export { OnnxEstimator } from './onnx/estimator.js';
export type { OnnxEstimatorOptions, OnnxSessionOptions } from './onnx/estimator.js';
