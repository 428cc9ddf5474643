/**
 * Makes the estimator the environment asks for (BACKEND_TYPE, DEVICE_CATEGORY; see backend-env.ts), the way
 * Sedna's set_backend wraps a worker's model in the backend of its framework.
 */
import type { Estimator } from '../core/estimator.js';
import { type BackendSelection, selectBackend } from './backend-env.js';
import { MlpEstimator, type MlpEstimatorOptions } from './mlp/estimator.js';
import type { ModelSpec } from './model-spec.js';
import { OnnxEstimator, type OnnxEstimatorOptions } from './onnx/estimator.js';
import { TfjsEstimator, type TfjsEstimatorOptions } from './tfjs/estimator.js';

export interface CreateEstimatorOptions {
  /** The model to build (tfjs, mlp). ONNX models come from modelUrl only. */
  spec?: ModelSpec;
  /** A model to load right away (required for ONNX). */
  modelUrl?: string;
  seed?: number;
  /** Where BACKEND_TYPE etc. are read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  tfjs?: Omit<TfjsEstimatorOptions, 'spec' | 'seed'>;
  mlp?: Omit<MlpEstimatorOptions, 'spec' | 'seed'>;
  onnx?: OnnxEstimatorOptions;
}

export interface CreatedEstimator {
  estimator: Estimator;
  selection: BackendSelection;
}

export async function createEstimator(options: CreateEstimatorOptions = {}): Promise<CreatedEstimator> {
  const selection = selectBackend(options.env ?? process.env);
  let estimator: Estimator;
  switch (selection.framework) {
    case 'tfjs':
      estimator = await TfjsEstimator.create({ ...options.tfjs, ...(options.spec ? { spec: options.spec } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
      break;
    case 'mlp':
      estimator = new MlpEstimator({ ...options.mlp, ...(options.spec ? { spec: options.spec } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
      break;
    case 'onnx':
      if (options.spec !== undefined) throw new Error(`BACKEND_TYPE=${selection.backendType} runs exported ONNX models only: pass modelUrl, not a spec`);
      if (options.modelUrl === undefined) throw new Error(`BACKEND_TYPE=${selection.backendType} needs modelUrl (an .onnx file)`);
      estimator = new OnnxEstimator(options.onnx);
      break;
  }
  if (options.modelUrl !== undefined) await estimator.load(options.modelUrl);
  return { estimator, selection };
}
