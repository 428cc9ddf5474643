/**
 * A ModelSpec as the Keras JSON topology that tfjs-layers writes into model.json (`modelTopology`), and back,
 * without TensorFlow.js: the mlp estimator saves and loads the tfjs directory format with this, so a process that
 * trains with the mlp backend never loads tfjs (its module load alone costs seconds of a worker's start).
 * The JSON written is what tfjs-layers 4.22 writes for the same Sequential model (class names, snake_case config
 * keys, `batch_input_shape` on the first layer), so `tf.loadLayersModel` reads it.
 */
import { type LayerSpec, type ModelSpec, type Padding, activationOf, layerName, pair, size2, validateModelSpec } from './model-spec.js';

type Json = Record<string, unknown>;

/** The initializers tfjs records for its default Glorot-uniform kernels and zero biases (informational on load). */
const GLOROT_UNIFORM = { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } };
const ZEROS = { class_name: 'Zeros', config: {} };

function kernelLayerExtras(): Json {
  return {
    kernel_initializer: GLOROT_UNIFORM,
    bias_initializer: ZEROS,
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  };
}

function layerConfig(layer: LayerSpec): { class_name: string; config: Json } {
  switch (layer.type) {
    case 'dense':
      return { class_name: 'Dense', config: { units: layer.units, activation: layer.activation ?? 'linear', use_bias: layer.useBias ?? true, ...kernelLayerExtras() } };
    case 'conv2d':
      return {
        class_name: 'Conv2D',
        config: {
          filters: layer.filters,
          kernel_size: pair(layer.kernelSize),
          strides: pair(layer.strides ?? 1),
          padding: layer.padding ?? 'valid',
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          activation: layer.activation ?? 'linear',
          use_bias: layer.useBias ?? true,
          ...kernelLayerExtras(),
        },
      };
    case 'maxPooling2d':
    case 'averagePooling2d': {
      const poolSize = pair(layer.poolSize ?? 2);
      return {
        class_name: layer.type === 'maxPooling2d' ? 'MaxPooling2D' : 'AveragePooling2D',
        config: { pool_size: poolSize, padding: layer.padding ?? 'valid', strides: pair(layer.strides ?? poolSize), data_format: 'channels_last' },
      };
    }
    case 'flatten':
      return { class_name: 'Flatten', config: {} };
    case 'dropout':
      return { class_name: 'Dropout', config: { rate: layer.rate, noise_shape: null, seed: null } };
  }
}

/** The `modelTopology` of model.json for a spec: a Keras Sequential model, as tfjs-layers serialises it. */
export function topologyFromSpec(spec: ModelSpec): Json {
  const layers = spec.layers.map((layer, i) => {
    const { class_name, config } = layerConfig(layer);
    const first = i === 0 ? { batch_input_shape: [null, ...spec.inputShape], dtype: 'float32' } : {};
    return { class_name, config: { ...config, name: layerName(layer, i), trainable: true, ...first } };
  });
  return { class_name: 'Sequential', config: { name: 'sequential', layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' };
}

/** Thrown for a topology this reader does not describe (a functional model): the caller may hand it to tfjs. */
export class UnsupportedTopologyError extends Error {
  override name = 'UnsupportedTopologyError';
}

function checkChannelsLast(config: Json, where: string): void {
  const format = config['data_format'];
  if (format !== undefined && format !== null && format !== 'channels_last') throw new Error(`${where}: only channels_last (NHWC) layers are supported, got ${String(format)}`);
}

/** [null, ...shape] from `batch_input_shape` (Keras 2, tfjs) or `batch_shape` (Keras 3), without the batch axis. */
function inputShapeOf(config: Json): number[] | undefined {
  const batchShape = config['batch_input_shape'] ?? config['batch_shape'];
  if (!Array.isArray(batchShape)) return undefined;
  return batchShape.slice(1) as number[];
}

/** The Sequential model's class name and layer list, from tfjs's topology or a converted Keras one (`model_config`). */
function sequentialLayers(topology: unknown, where: string): unknown[] {
  const top = topology as Json | null;
  if (typeof top !== 'object' || top === null) throw new Error(`${where}: modelTopology must be an object`);
  const model = (typeof top['model_config'] === 'object' && top['model_config'] !== null ? top['model_config'] : top) as Json;
  if (model['class_name'] !== 'Sequential') {
    throw new UnsupportedTopologyError(`${where}: a ${String(model['class_name'])} topology is not a Sequential model`);
  }
  const config = model['config'];
  // Keras before 2.2.3 wrote a Sequential's config as the bare list of layers
  const layers = Array.isArray(config) ? config : (config as Json | undefined)?.['layers'];
  if (!Array.isArray(layers)) throw new Error(`${where}: modelTopology.config.layers must be an array`);
  return layers;
}

/** Describes a Sequential Keras topology of supported layers as a ModelSpec; throws naming the first layer it cannot. */
export function specFromTopology(topology: unknown, where: string): ModelSpec {
  let inputShape: number[] | undefined;
  const layers: LayerSpec[] = [];
  sequentialLayers(topology, where).forEach((raw, i) => {
    const entry = raw as { class_name?: unknown; config?: Json };
    const cls = String(entry.class_name);
    const config = entry.config ?? {};
    const name = typeof config['name'] === 'string' ? config['name'] : undefined;
    const at = `${where}: layer ${name ?? i} (${cls})`;
    inputShape ??= inputShapeOf(config);
    const named = name === undefined ? {} : { name };
    switch (cls) {
      case 'InputLayer':
        return;
      case 'Dense':
        layers.push({ type: 'dense', ...named, units: config['units'] as number, activation: activationOf(config, at), useBias: config['use_bias'] !== false });
        return;
      case 'Conv2D': {
        checkChannelsLast(config, at);
        const dilation = size2(config['dilation_rate'] ?? 1, at);
        if (dilation[0] !== 1 || dilation[1] !== 1) throw new Error(`${at}: dilated convolutions are not supported`);
        layers.push({
          type: 'conv2d',
          ...named,
          filters: config['filters'] as number,
          kernelSize: size2(config['kernel_size'], at),
          strides: size2(config['strides'] ?? 1, at),
          padding: (config['padding'] ?? 'valid') as Padding,
          activation: activationOf(config, at),
          useBias: config['use_bias'] !== false,
        });
        return;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        checkChannelsLast(config, at);
        const poolSize = size2(config['pool_size'] ?? 2, at);
        const strides = config['strides'] === null || config['strides'] === undefined ? poolSize : size2(config['strides'], at);
        layers.push({ type: cls === 'MaxPooling2D' ? 'maxPooling2d' : 'averagePooling2d', ...named, poolSize, strides, padding: (config['padding'] ?? 'valid') as Padding });
        return;
      }
      case 'Flatten':
        layers.push({ type: 'flatten', ...named });
        return;
      case 'Dropout':
        layers.push({ type: 'dropout', ...named, rate: config['rate'] as number });
        return;
      default:
        throw new Error(`${at}: layer type ${cls} is not supported (supported: Dense, Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dropout)`);
    }
  });
  if (inputShape === undefined || !inputShape.every((d) => typeof d === 'number')) {
    throw new Error(`${where}: the model's input shape must be fixed apart from the batch (batch_input_shape on the first layer)`);
  }
  return validateModelSpec({ inputShape, layers }, where);
}
