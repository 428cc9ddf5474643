/**
 * Which layers of a ModelSpec the wasm trainer builds, and how: a plan made without allocating anything, so an
 * unsupported spec is refused when the estimator is constructed (with the offending layer named), and the layers
 * built from it later.
 */
import { type Activation, type ModelSpec, pair, resolveLayers, samePadding } from '../model-spec.js';
import { Conv2DLayer, type WindowGeometry } from './layers/conv2d.js';
import { DenseLayer } from './layers/dense.js';
import { DropoutLayer, FlattenLayer } from './layers/dropout.js';
import { MaxPoolLayer } from './layers/max-pool.js';
import type { Layer, LayerContext } from './layers/types.js';

export class MlpSpecError extends Error {
  override name = 'MlpSpecError';
}

export type LayerPlan =
  | { kind: 'dense'; name: string; inSize: number; units: number; activation: Activation; useBias: boolean }
  | { kind: 'conv2d'; name: string; geometry: WindowGeometry; filters: number; activation: Activation; useBias: boolean }
  | { kind: 'maxPooling2d'; name: string; geometry: WindowGeometry }
  | { kind: 'dropout'; name: string; shape: readonly number[]; rate: number }
  | { kind: 'flatten'; name: string; shape: readonly number[] };

/** The walk of a window layer over its input: sizes, strides and the padding before the first row and column. */
function geometryOf(input: readonly number[], output: readonly number[], kernel: [number, number], strides: [number, number], padding: 'valid' | 'same'): WindowGeometry {
  const [H, W, C] = input as [number, number, number];
  const [OH, OW] = output as [number, number];
  const [KH, KW] = kernel;
  const [sh, sw] = strides;
  const top = padding === 'same' ? samePadding(H, KH, sh)[0] : 0;
  const left = padding === 'same' ? samePadding(W, KW, sw)[0] : 0;
  return { H, W, C, OH, OW, KH, KW, sh, sw, top, left };
}

/** Plans the layers of a spec; throws an MlpSpecError naming a layer this backend does not train. */
export function planLayers(spec: ModelSpec): LayerPlan[] {
  const resolved = resolveLayers(spec);
  const plans = resolved.map((r, i): LayerPlan => {
    const layer = r.spec;
    const where = `spec.layers[${i}]`;
    if ((layer.type === 'dense' || layer.type === 'conv2d') && layer.activation === 'softmax' && i !== spec.layers.length - 1) {
      throw new MlpSpecError(`${where}: the mlp backend supports softmax on the last layer only`);
    }
    switch (layer.type) {
      case 'dense':
        return { kind: 'dense', name: r.name, inSize: r.inputShape[0] as number, units: layer.units, activation: layer.activation ?? 'linear', useBias: layer.useBias !== false };
      case 'conv2d':
        return {
          kind: 'conv2d',
          name: r.name,
          geometry: geometryOf(r.inputShape, r.outputShape, pair(layer.kernelSize), pair(layer.strides ?? 1), layer.padding ?? 'valid'),
          filters: layer.filters,
          activation: layer.activation ?? 'linear',
          useBias: layer.useBias !== false,
        };
      case 'maxPooling2d': {
        const size = pair(layer.poolSize ?? 2);
        return { kind: 'maxPooling2d', name: r.name, geometry: geometryOf(r.inputShape, r.outputShape, size, pair(layer.strides ?? size), layer.padding ?? 'valid') };
      }
      case 'dropout':
        return { kind: 'dropout', name: r.name, shape: r.inputShape, rate: layer.rate };
      case 'flatten':
        return { kind: 'flatten', name: r.name, shape: r.inputShape };
      case 'averagePooling2d':
        throw new MlpSpecError(`${where}: the mlp backend trains dense, conv2d, maxPooling2d, dropout and flatten layers; use the tfjs backend for averagePooling2d`);
    }
  });
  if (!plans.some((p) => p.kind === 'dense' || p.kind === 'conv2d')) throw new MlpSpecError('spec has no dense or conv2d layer to train');
  return plans;
}

/** Whether the mlp backend can train this spec. */
export function mlpSupports(spec: ModelSpec): boolean {
  try {
    planLayers(spec);
    return true;
  } catch {
    return false;
  }
}

/** Builds the planned layers, allocating their parameters in the context's runtime. */
export function buildLayers(ctx: LayerContext, plans: readonly LayerPlan[]): Layer[] {
  return plans.map((p) => {
    switch (p.kind) {
      case 'dense':
        return new DenseLayer(ctx, p.name, p.inSize, p.units, p.activation, p.useBias);
      case 'conv2d':
        return new Conv2DLayer(ctx, p.name, p.geometry, p.filters, p.activation, p.useBias);
      case 'maxPooling2d':
        return new MaxPoolLayer(ctx, p.name, p.geometry);
      case 'dropout':
        return new DropoutLayer(ctx, p.name, p.shape, p.rate);
      case 'flatten':
        return new FlattenLayer(p.name, p.shape);
    }
  });
}
