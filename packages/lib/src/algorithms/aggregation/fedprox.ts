/**
 * FedProx: the server aggregates like FedAvg; the clients add the proximal term (μ/2)·‖w − w_global‖² to
 * their loss, which keeps local models near the global one on heterogeneous data. The server strategy only
 * carries `proximal_mu` for the clients; `proximalTerm` and `addProximalGradient` are what a trainer adds.
 */
import type { WeightTensor } from '../../core/estimator.js';
import { ParamReader, type AlgorithmParams } from '../params.js';
import { RoundMemory, type EngineOptions } from './fedavg.js';
import { weightedAverage } from './weighted-average.js';
import { defaultWeightedSumEngine, type WeightedSumEngine } from './weighted-sum/engine.js';
import type { WeightArena } from './weighted-sum/arena.js';
import type { AggClient, AggregationResult } from './types.js';

export class FedProx extends RoundMemory {
  readonly name = 'FedProx';
  /** Parameter `proximal_mu` (default 0, Flower's): the μ clients use; 0 makes FedProx plain FedAvg. */
  readonly proximalMu: number;
  private readonly engine: WeightedSumEngine;

  constructor(param: AlgorithmParams = {}, options: EngineOptions = {}) {
    super();
    const read = new ParamReader('aggregation "FedProx"', param, ['proximal_mu']);
    this.proximalMu = read.number('proximal_mu', 0, { min: 0 });
    this.engine = options.engine ?? defaultWeightedSumEngine();
  }

  /** Its engine's arena: the aggregation server copies arriving updates there, so the round reads them in place. */
  get inputArena(): WeightArena {
    return this.engine.arena;
  }

  protected aggregateRound(clients: readonly AggClient[]): Promise<AggregationResult> {
    return weightedAverage(clients, this.name, this.engine);
  }
}

function checkPair(weights: readonly WeightTensor[], globalWeights: readonly WeightTensor[], mu: number): void {
  if (!Number.isFinite(mu) || mu < 0) throw new RangeError(`FedProx: mu must be finite and >= 0, got ${mu}`);
  if (weights.length !== globalWeights.length) {
    throw new RangeError(`FedProx: the local model has ${weights.length} tensors, the global one ${globalWeights.length}`);
  }
  weights.forEach((tensor, index) => {
    if (tensor.data.length !== globalWeights[index]!.data.length) {
      throw new RangeError(`FedProx: tensor ${index} ("${tensor.name}") has ${tensor.data.length} values locally, ${globalWeights[index]!.data.length} globally`);
    }
  });
}

/** The proximal loss (μ/2)·Σ‖w − w_global‖² over all tensors. */
export function proximalTerm(weights: readonly WeightTensor[], globalWeights: readonly WeightTensor[], mu: number): number {
  checkPair(weights, globalWeights, mu);
  let squares = 0;
  weights.forEach((tensor, index) => {
    const global = globalWeights[index]!.data;
    for (let position = 0; position < tensor.data.length; position++) {
      const difference = tensor.data[position]! - global[position]!;
      squares += difference * difference;
    }
  });
  return (mu / 2) * squares;
}

/** The proximal term's gradient μ·(w − w_global), one array per tensor. */
export function proximalGradient(weights: readonly WeightTensor[], globalWeights: readonly WeightTensor[], mu: number): Float32Array[] {
  checkPair(weights, globalWeights, mu);
  return weights.map((tensor, index) => {
    const global = globalWeights[index]!.data;
    const gradient = new Float32Array(tensor.data.length);
    for (let position = 0; position < gradient.length; position++) gradient[position] = mu * (tensor.data[position]! - global[position]!);
    return gradient;
  });
}

/** Adds μ·(w − w_global) to the loss gradients in place (gradients in the same order as the weights). */
export function addProximalGradient(gradients: readonly Float32Array[], weights: readonly WeightTensor[], globalWeights: readonly WeightTensor[], mu: number): void {
  checkPair(weights, globalWeights, mu);
  if (gradients.length !== weights.length) throw new RangeError(`FedProx: ${gradients.length} gradients for ${weights.length} tensors`);
  gradients.forEach((gradient, index) => {
    const local = weights[index]!.data;
    const global = globalWeights[index]!.data;
    if (gradient.length !== local.length) throw new RangeError(`FedProx: gradient ${index} has ${gradient.length} values, the tensor ${local.length}`);
    for (let position = 0; position < gradient.length; position++) gradient[position]! += mu * (local[position]! - global[position]!);
  });
}
