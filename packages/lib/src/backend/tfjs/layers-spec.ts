/**
 * Reading a spec back from a tfjs model (so any tfjs model made of the supported layers can be trained here and
 * exported to ONNX). Only tfjs's types are imported: describing a model that exists needs no tfjs module load, so
 * the ONNX exporter's entry point does not load TensorFlow.js.
 */
import type * as tf from '@tensorflow/tfjs';
import { type LayerSpec, type ModelSpec, type Padding, activationOf, size2, validateModelSpec } from '../model-spec.js';

function checkChannelsLast(config: tf.serialization.ConfigDict, where: string): void {
  const format = config['dataFormat'];
  if (format !== undefined && format !== 'channelsLast') throw new Error(`${where}: only channelsLast (NHWC) layers are supported, got ${String(format)}`);
}

/** Describes a tfjs model of supported layers as a ModelSpec; throws naming the first layer it cannot describe. */
export function specFromLayersModel(model: tf.LayersModel): ModelSpec {
  const input = model.inputs[0];
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || input === undefined) throw new Error('only single-input, single-output models are supported');
  const inputShape = input.shape.slice(1);
  if (!inputShape.every((d): d is number => typeof d === 'number')) throw new Error(`model input shape [${input.shape.join(', ')}] must be fixed apart from the batch`);
  const layers: LayerSpec[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const config = layer.getConfig();
    const where = `layer ${layer.name} (${cls})`;
    const name = layer.name;
    switch (cls) {
      case 'InputLayer':
        continue;
      case 'Dense':
        layers.push({ type: 'dense', name, units: config['units'] as number, activation: activationOf(config, where), useBias: config['useBias'] !== false });
        break;
      case 'Conv2D': {
        checkChannelsLast(config, where);
        const dilation = size2(config['dilationRate'] ?? 1, where);
        if (dilation[0] !== 1 || dilation[1] !== 1) throw new Error(`${where}: dilated convolutions are not supported`);
        layers.push({
          type: 'conv2d',
          name,
          filters: config['filters'] as number,
          kernelSize: size2(config['kernelSize'], where),
          strides: size2(config['strides'] ?? 1, where),
          padding: config['padding'] as Padding,
          activation: activationOf(config, where),
          useBias: config['useBias'] !== false,
        });
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        checkChannelsLast(config, where);
        const poolSize = size2(config['poolSize'], where);
        layers.push({
          type: cls === 'MaxPooling2D' ? 'maxPooling2d' : 'averagePooling2d',
          name,
          poolSize,
          strides: size2(config['strides'] ?? poolSize, where),
          padding: config['padding'] as Padding,
        });
        break;
      }
      case 'Flatten':
        layers.push({ type: 'flatten', name });
        break;
      case 'Dropout':
        layers.push({ type: 'dropout', name, rate: config['rate'] as number });
        break;
      default:
        throw new Error(`${where}: layer type ${cls} is not supported (supported: Dense, Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dropout)`);
    }
  }
  return validateModelSpec({ inputShape, layers }, 'model');
}
