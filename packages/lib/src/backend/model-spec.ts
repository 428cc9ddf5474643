/**
 * A small declarative description of a sequential model, shared by every training backend (tfjs, mlp) and by the
 * ONNX exporter. Shapes exclude the batch dimension; image inputs are [height, width, channels] (NHWC, as in tfjs).
 */

import type { WeightTensor } from '../core/estimator.js';

export const ACTIVATIONS = ['relu', 'sigmoid', 'tanh', 'softmax', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export type Padding = 'valid' | 'same';
/** One number for both spatial axes, or [rows, cols]. */
export type Size2D = number | readonly [number, number];

export interface DenseLayerSpec {
  type: 'dense';
  units: number;
  activation?: Activation;
  useBias?: boolean;
  name?: string;
}

export interface Conv2DLayerSpec {
  type: 'conv2d';
  filters: number;
  kernelSize: Size2D;
  strides?: Size2D;
  padding?: Padding;
  activation?: Activation;
  useBias?: boolean;
  name?: string;
}

export interface Pool2DLayerSpec {
  type: 'maxPooling2d' | 'averagePooling2d';
  poolSize?: Size2D;
  /** Defaults to poolSize, as in Keras. */
  strides?: Size2D;
  padding?: Padding;
  name?: string;
}

export interface FlattenLayerSpec {
  type: 'flatten';
  name?: string;
}

export interface DropoutLayerSpec {
  type: 'dropout';
  /** Fraction of inputs dropped while training, in [0, 1). Identity at inference. */
  rate: number;
  name?: string;
}

export type LayerSpec = DenseLayerSpec | Conv2DLayerSpec | Pool2DLayerSpec | FlattenLayerSpec | DropoutLayerSpec;
export type LayerType = LayerSpec['type'];

export interface ModelSpec {
  /** Per-sample input shape: [features] or [height, width, channels]. */
  inputShape: readonly number[];
  layers: readonly LayerSpec[];
}

/** A parameter of a layer, in tfjs layout: dense kernel [in, out], conv kernel [kh, kw, in, out], bias [out]. */
export interface WeightShape {
  readonly name: string;
  readonly shape: readonly number[];
}

/** The result of walking a spec: per-layer input/output shapes and parameter shapes. */
export interface ResolvedLayer {
  readonly spec: LayerSpec;
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly weights: readonly WeightShape[];
}

const LAYER_TYPES: readonly LayerType[] = ['dense', 'conv2d', 'maxPooling2d', 'averagePooling2d', 'flatten', 'dropout'];

export class ModelSpecError extends Error {
  override name = 'ModelSpecError';
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function checkSize2D(v: unknown, field: string): void {
  if (isPositiveInt(v)) return;
  if (Array.isArray(v) && v.length === 2 && v.every(isPositiveInt)) return;
  throw new ModelSpecError(`${field} must be a positive integer or a pair of positive integers, got ${JSON.stringify(v)}`);
}

export function pair(v: Size2D): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

function checkOptional<T>(obj: Record<string, unknown>, key: string, field: string, ok: (v: unknown) => v is T, what: string): void {
  if (obj[key] !== undefined && !ok(obj[key])) {
    throw new ModelSpecError(`${field}.${key} must be ${what}, got ${JSON.stringify(obj[key])}`);
  }
}

const isActivation = (v: unknown): v is Activation => typeof v === 'string' && (ACTIVATIONS as readonly string[]).includes(v);
const isPadding = (v: unknown): v is Padding => v === 'valid' || v === 'same';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isName = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_.-]+$/.test(v);

/** A layer config's activation (absent: linear), or an error naming `where` and the supported ones. */
export function activationOf(config: Readonly<Record<string, unknown>>, where: string): Activation {
  const a = config['activation'] ?? 'linear';
  if (typeof a !== 'string' || !(ACTIVATIONS as readonly string[]).includes(a)) {
    throw new Error(`${where}: activation ${JSON.stringify(a)} is not supported (supported: ${ACTIVATIONS.join(', ')})`);
  }
  return a as Activation;
}

/** A layer config's 2-D size (a number stands for both sides), or an error naming `where`. */
export function size2(v: unknown, where: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') return [v[0], v[1]];
  throw new Error(`${where}: expected a 2-D size, got ${JSON.stringify(v)}`);
}

/** Checks a spec that came from JSON or a user; throws a ModelSpecError naming the offending field. */
export function validateModelSpec(input: unknown, field = 'spec'): ModelSpec {
  if (typeof input !== 'object' || input === null) throw new ModelSpecError(`${field} must be an object`);
  const spec = input as Record<string, unknown>;
  const shape = spec['inputShape'];
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every(isPositiveInt)) {
    throw new ModelSpecError(`${field}.inputShape must be a non-empty array of positive integers`);
  }
  const layers = spec['layers'];
  if (!Array.isArray(layers) || layers.length === 0) throw new ModelSpecError(`${field}.layers must be a non-empty array`);
  layers.forEach((raw: unknown, i) => {
    const f = `${field}.layers[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw new ModelSpecError(`${f} must be an object`);
    const layer = raw as Record<string, unknown>;
    if (!LAYER_TYPES.includes(layer['type'] as LayerType)) {
      throw new ModelSpecError(`${f}.type must be one of ${LAYER_TYPES.join(', ')}, got ${JSON.stringify(layer['type'])}`);
    }
    checkOptional(layer, 'name', f, isName, 'a name of letters, digits, _ . -');
    switch (layer['type'] as LayerType) {
      case 'dense':
        if (!isPositiveInt(layer['units'])) throw new ModelSpecError(`${f}.units must be a positive integer`);
        checkOptional(layer, 'activation', f, isActivation, `one of ${ACTIVATIONS.join(', ')}`);
        checkOptional(layer, 'useBias', f, isBool, 'a boolean');
        break;
      case 'conv2d':
        if (!isPositiveInt(layer['filters'])) throw new ModelSpecError(`${f}.filters must be a positive integer`);
        checkSize2D(layer['kernelSize'], `${f}.kernelSize`);
        if (layer['strides'] !== undefined) checkSize2D(layer['strides'], `${f}.strides`);
        checkOptional(layer, 'padding', f, isPadding, "'valid' or 'same'");
        checkOptional(layer, 'activation', f, isActivation, `one of ${ACTIVATIONS.join(', ')}`);
        checkOptional(layer, 'useBias', f, isBool, 'a boolean');
        break;
      case 'maxPooling2d':
      case 'averagePooling2d':
        if (layer['poolSize'] !== undefined) checkSize2D(layer['poolSize'], `${f}.poolSize`);
        if (layer['strides'] !== undefined) checkSize2D(layer['strides'], `${f}.strides`);
        checkOptional(layer, 'padding', f, isPadding, "'valid' or 'same'");
        break;
      case 'dropout': {
        const rate = layer['rate'];
        if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new ModelSpecError(`${f}.rate must be a number in [0, 1)`);
        break;
      }
      case 'flatten':
        break;
    }
  });
  const valid = input as ModelSpec;
  resolveLayers(valid, field); // shape errors (a dense layer on an image, a conv on a vector) surface here
  return valid;
}

/** Output size along one spatial axis, with tfjs/Keras semantics. */
export function convOutputSize(inSize: number, kernel: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(inSize / stride) : Math.floor((inSize - kernel) / stride) + 1;
}

/**
 * Padding TensorFlow applies for 'same': the total is split with the extra pixel at the end (ONNX SAME_UPPER).
 * Returns [before, after].
 */
export function samePadding(inSize: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + kernel - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export function layerName(layer: LayerSpec, index: number): string {
  return layer.name ?? `${layer.type}_${index}`;
}

/** Walks the spec, computing shapes; throws a ModelSpecError for a layer that cannot take its input. */
export function resolveLayers(spec: ModelSpec, field = 'spec'): ResolvedLayer[] {
  let shape: readonly number[] = spec.inputShape;
  const seen = new Set<string>();
  return spec.layers.map((layer, i) => {
    const f = `${field}.layers[${i}]`;
    const name = layerName(layer, i);
    if (seen.has(name)) throw new ModelSpecError(`${f}.name ${JSON.stringify(name)} is used by an earlier layer`);
    seen.add(name);
    const inputShape = shape;
    let outputShape: readonly number[];
    let weights: WeightShape[] = [];
    switch (layer.type) {
      case 'dense': {
        if (inputShape.length !== 1) {
          throw new ModelSpecError(`${f}: a dense layer needs a flat input, got shape [${inputShape.join(', ')}]; add a flatten layer first`);
        }
        const inSize = inputShape[0] as number;
        outputShape = [layer.units];
        weights = [{ name: `${name}/kernel`, shape: [inSize, layer.units] }];
        if (layer.useBias !== false) weights.push({ name: `${name}/bias`, shape: [layer.units] });
        break;
      }
      case 'conv2d':
      case 'maxPooling2d':
      case 'averagePooling2d': {
        if (inputShape.length !== 3) {
          throw new ModelSpecError(`${f}: a ${layer.type} layer needs an image input [height, width, channels], got [${inputShape.join(', ')}]`);
        }
        const [h, w, c] = inputShape as [number, number, number];
        const padding = layer.padding ?? 'valid';
        const [kh, kw] = layer.type === 'conv2d' ? pair(layer.kernelSize) : pair(layer.poolSize ?? 2);
        const [sh, sw] = layer.type === 'conv2d' ? pair(layer.strides ?? 1) : pair(layer.strides ?? layer.poolSize ?? 2);
        const oh = convOutputSize(h, kh, sh, padding);
        const ow = convOutputSize(w, kw, sw, padding);
        if (oh < 1 || ow < 1) throw new ModelSpecError(`${f}: window ${kh}x${kw} does not fit the input ${h}x${w}`);
        if (layer.type === 'conv2d') {
          outputShape = [oh, ow, layer.filters];
          weights = [{ name: `${name}/kernel`, shape: [kh, kw, c, layer.filters] }];
          if (layer.useBias !== false) weights.push({ name: `${name}/bias`, shape: [layer.filters] });
        } else {
          outputShape = [oh, ow, c];
        }
        break;
      }
      case 'flatten':
        outputShape = [inputShape.reduce((a, b) => a * b, 1)];
        break;
      case 'dropout':
        outputShape = inputShape;
        break;
    }
    shape = outputShape;
    return { spec: layer, name, inputShape, outputShape, weights };
  });
}

/** Every parameter of the model in order (per layer: kernel, then bias). */
export function weightShapes(spec: ModelSpec): WeightShape[] {
  return resolveLayers(spec).flatMap((l) => l.weights);
}

export function outputShapeOf(spec: ModelSpec): readonly number[] {
  const layers = resolveLayers(spec);
  return (layers[layers.length - 1] as ResolvedLayer).outputShape;
}

/** The activation of the last layer that has one: decides how the loss reads the outputs. */
export function finalActivation(spec: ModelSpec): Activation {
  for (let i = spec.layers.length - 1; i >= 0; i--) {
    const layer = spec.layers[i] as LayerSpec;
    if (layer.type === 'dense' || layer.type === 'conv2d') return layer.activation ?? 'linear';
  }
  return 'linear';
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Refuses weights that do not fit the spec: their count, each shape, and (when data is given) each length. */
export function checkWeightsFit(spec: ModelSpec, weights: readonly Pick<WeightTensor, 'name' | 'shape'>[], where: string): void {
  const expected = weightShapes(spec);
  if (weights.length !== expected.length) throw new Error(`${where}: ${weights.length} weight tensors given, the model has ${expected.length}`);
  expected.forEach((e, i) => {
    const w = weights[i] as Pick<WeightTensor, 'name' | 'shape'>;
    if (w.shape.length !== e.shape.length || w.shape.some((d, k) => d !== e.shape[k])) {
      throw new Error(`${where}: weight ${i} (${w.name}) has shape [${w.shape.join(', ')}], ${e.name} needs [${e.shape.join(', ')}]`);
    }
    if ('data' in w && (w as WeightTensor).data.length !== e.shape.reduce((a, b) => a * b, 1)) {
      throw new Error(`${where}: weight ${i} (${w.name}) has ${(w as WeightTensor).data.length} values for shape [${e.shape.join(', ')}]`);
    }
  });
}
