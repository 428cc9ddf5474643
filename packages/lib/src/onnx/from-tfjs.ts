/**
 * Export straight from a tfjs model (a tf.Sequential or functional chain of supported layers).
 */
import type * as tf from '@tensorflow/tfjs';
import { specFromLayersModel } from '../backend/tfjs/layers-spec.js';
import { type OnnxExportOptions, exportToOnnx } from './export.js';

export function exportLayersModelToOnnx(model: tf.LayersModel, options: OnnxExportOptions = {}): Uint8Array {
  const spec = specFromLayersModel(model);
  const weights = model.weights.map((w) => ({ name: w.originalName, shape: [...(w.shape as number[])], data: w.read().dataSync() as Float32Array }));
  return exportToOnnx({ spec, weights }, options);
}
