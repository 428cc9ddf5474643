/**
 * Checks of one worker's update on its own, before it joins a round: usable numbers, and the shapes of the model
 * the round aggregates. A failing update is rejected with a reason naming the tensor; the round goes on without it.
 */
import { findNonFinite } from '../../algorithms/aggregation/screening.js';
import type { WeightTensor } from '../estimator.js';

/** The shapes of a model, one per tensor, as one comparable string. */
export function structureKey(weights: readonly WeightTensor[]): string {
  return weights.map((tensor) => `[${tensor.shape.join(',')}]`).join(';');
}

/** Why `weights` do not fit the model `reference` describes, or undefined when they do (names are not compared). */
export function shapeMismatch(reference: readonly WeightTensor[], weights: readonly WeightTensor[]): string | undefined {
  if (weights.length !== reference.length) return `${weights.length} tensors sent, the model has ${reference.length}`;
  for (let index = 0; index < weights.length; index++) {
    const got = weights[index]!.shape;
    const expected = reference[index]!;
    if (got.length !== expected.shape.length || got.some((dimension, axis) => dimension !== expected.shape[axis])) {
      return `tensor ${index} has shape [${got.join(', ')}], the model's "${expected.name}" has [${expected.shape.join(', ')}]`;
    }
  }
  return undefined;
}

/** Shapes and values that cannot be weights at all: a shape that does not match the data, NaN or infinity. */
export function unusableWeights(id: string, weights: readonly WeightTensor[]): string | undefined {
  for (let index = 0; index < weights.length; index++) {
    const tensor = weights[index]!;
    const count = tensor.shape.reduce((product, dimension) => product * dimension, 1);
    if (count !== tensor.data.length) return `tensor ${index} ("${tensor.name}") has ${tensor.data.length} values for shape [${tensor.shape.join(', ')}]`;
  }
  return findNonFinite({ id, numSamples: 0, weights });
}

/** The same tensors under the reference's names (JSON workers send none; names are labels, shapes decide). */
export function renamedLike(reference: readonly WeightTensor[], weights: readonly WeightTensor[]): WeightTensor[] {
  return weights.map((tensor, index) => ({ name: reference[index]?.name ?? tensor.name, shape: tensor.shape, data: tensor.data }));
}

/** Deep copy of tensors (the aggregator keeps its global model apart from what it hands out). */
export function cloneWeights(weights: readonly WeightTensor[]): WeightTensor[] {
  return weights.map((tensor) => ({ name: tensor.name, shape: [...tensor.shape], data: tensor.data.slice() }));
}
