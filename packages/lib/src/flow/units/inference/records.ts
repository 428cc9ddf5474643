/** The `inference` port type: a sample with the model's answer, what mining, cloud inference and saving need. */
import type { Tensor } from '../../../core/estimator.js';

export interface InferenceRecord {
  /** The sample the model saw. */
  readonly input: Tensor;
  /** The answer given (the edge model's, or the cloud's after cloud_inference), with a batch axis of 1. */
  readonly output: Tensor;
  /** The edge model's answer when the cloud answered. */
  readonly edgeOutput?: Tensor;
  readonly answeredBy: 'edge' | 'cloud' | 'edge-fallback';
  /** The hot update's model version that answered. */
  readonly modelVersion?: string;
  /** Set by a hard example mining unit. */
  readonly hard?: boolean;
}

export function isTensor(value: unknown): value is Tensor {
  return typeof value === 'object' && value !== null && (value as Tensor).data instanceof Float32Array && Array.isArray((value as Tensor).shape);
}

export function isInferenceRecord(value: unknown): value is InferenceRecord {
  return typeof value === 'object' && value !== null && isTensor((value as InferenceRecord).input) && isTensor((value as InferenceRecord).output);
}

export function requireRecord(value: unknown, port: string): InferenceRecord {
  if (!isInferenceRecord(value)) throw new TypeError(`${port} must be an inference record {input, output} (from onnx_inference:out_inference)`);
  return value;
}
