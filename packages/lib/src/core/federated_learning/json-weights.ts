/**
 * Weights in the original's JSON form: one nested list per tensor (numpy's `tolist()`), with no names. Names come
 * from the model the aggregator already knows, by position.
 */
import type { WeightTensor } from '../estimator.js';
import { NestedListError, tensorFromNested, tensorToNested } from '../joint_inference/nested-list.js';
import { ProtocolError } from './protocol.js';

/** Tensor names for JSON weights when nothing better is known. */
export function positionalName(index: number): string {
  return `layer_${index}`;
}

/**
 * `weights` from an update_weight message as tensors; `names` (the known model's, by position) label them.
 * A ragged list, a non-number or a non-finite value is a ProtocolError naming the tensor.
 */
export function weightsFromNested(weights: unknown, names: readonly string[] = []): WeightTensor[] {
  if (!Array.isArray(weights)) throw new ProtocolError(`"weights" must be a list with one nested list per tensor, got ${typeof weights}`);
  return weights.map((layer: unknown, index) => {
    const name = names[index] ?? positionalName(index);
    if (typeof layer === 'number') {
      if (!Number.isFinite(layer)) throw new ProtocolError(`weights[${index}] is ${layer}, not a finite number`);
      return { name, shape: [], data: Float32Array.of(layer) };
    }
    try {
      const tensor = tensorFromNested(layer, `weights[${index}]`);
      return { name, shape: tensor.shape, data: tensor.data };
    } catch (error) {
      if (error instanceof NestedListError) throw new ProtocolError(error.message);
      throw error;
    }
  });
}

/** Tensors as the nested lists the original's workers read (a rank-0 tensor as a plain number). */
export function weightsToNested(weights: readonly WeightTensor[]): unknown[] {
  return weights.map((tensor) => (tensor.shape.length === 0 ? tensor.data[0] : tensorToNested(tensor)));
}
