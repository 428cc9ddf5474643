/**
 * Between ModelSpec and tfjs-layers: build a tf.Sequential from a spec (and, from ./layers-spec.ts, read a spec
 * back from a tfjs model).
 */
import * as tf from '@tensorflow/tfjs';
import { type ModelSpec, layerName, pair } from '../model-spec.js';

export { specFromLayersModel } from './layers-spec.js';

/** Builds an untrained tfjs model; Glorot-uniform kernels and zero biases (the tfjs defaults), seeded when asked. */
export function buildLayersModel(spec: ModelSpec, seed?: number): tf.Sequential {
  const model = tf.sequential();
  spec.layers.forEach((layer, i) => {
    const common = { name: layerName(layer, i), ...(i === 0 ? { inputShape: [...spec.inputShape] } : {}) };
    const kernelInitializer = tf.initializers.glorotUniform(seed === undefined ? {} : { seed: seed + i });
    switch (layer.type) {
      case 'dense':
        model.add(tf.layers.dense({ ...common, units: layer.units, activation: layer.activation ?? 'linear', useBias: layer.useBias ?? true, kernelInitializer }));
        break;
      case 'conv2d':
        model.add(
          tf.layers.conv2d({
            ...common,
            filters: layer.filters,
            kernelSize: pair(layer.kernelSize),
            strides: pair(layer.strides ?? 1),
            padding: layer.padding ?? 'valid',
            activation: layer.activation ?? 'linear',
            useBias: layer.useBias ?? true,
            dataFormat: 'channelsLast',
            kernelInitializer,
          }),
        );
        break;
      case 'maxPooling2d':
      case 'averagePooling2d': {
        const poolSize = pair(layer.poolSize ?? 2);
        const config = { ...common, poolSize, strides: pair(layer.strides ?? poolSize), padding: layer.padding ?? 'valid', dataFormat: 'channelsLast' as const };
        model.add(layer.type === 'maxPooling2d' ? tf.layers.maxPooling2d(config) : tf.layers.averagePooling2d(config));
        break;
      }
      case 'flatten':
        model.add(tf.layers.flatten(common));
        break;
      case 'dropout':
        model.add(tf.layers.dropout({ ...common, rate: layer.rate }));
        break;
    }
  });
  return model;
}
