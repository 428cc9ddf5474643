/**
 * Federated aggregation: combine the weights several training workers uploaded into the next global model.
 */
import type { WeightTensor } from '../../core/estimator.js';
import type { WeightArena } from './weighted-sum/arena.js';

/** One training worker's upload for a round (the original's AggClient). */
export interface AggClient {
  /** Who sent it (the worker name); error messages and rejections name clients by it. */
  readonly id: string;
  /** Samples behind these weights; FedAvg weighs clients by it. A non-negative integer. */
  readonly numSamples: number;
  /** The model's tensors, in the same order, with the same names and shapes, for every client. */
  readonly weights: readonly WeightTensor[];
}

export interface ClientRejection {
  readonly id: string;
  readonly reason: string;
}

export interface AggregationResult {
  /** The new global weights: fresh arrays the caller owns. */
  readonly weights: WeightTensor[];
  /** Σ numSamples over the accepted clients. */
  readonly totalSamples: number;
  /** Clients whose weights went into the result (for Krum: the ones it selected). */
  readonly accepted: readonly string[];
  /** Clients left out because their upload was unusable (NaN or infinite weights, bad sample count). */
  readonly rejected: readonly ClientRejection[];
}

export interface Aggregation {
  /** The registry name (`FedAvg`, `FedAdam`, ...). */
  readonly name: string;
  /**
   * Aggregates one round. Unusable clients are rejected and named in the result, and the round goes on with
   * the others; it fails when none is left, or when clients disagree on the model's structure. With no
   * clients at all it returns the previous round's result, as the original did (and fails before the first).
   */
  aggregate(clients: readonly AggClient[]): Promise<AggregationResult>;
  /**
   * Where the strategy reads client weights without copying them in the round (its weighted-sum engine's arena):
   * the aggregation server copies each update there as it arrives. Undefined: weights are read wherever they are.
   */
  readonly inputArena?: WeightArena;
}

/** Server-side optimizers that keep state between rounds (FedAvgM, FedAdam, FedYogi, FedAdagrad). */
export interface StatefulAggregation extends Aggregation {
  /**
   * Sets the current global model, e.g. the pretrained model the clients start from. Without it, the first
   * round's weighted average becomes the global model and the server optimizer starts from the next round.
   */
  setGlobalWeights(weights: readonly WeightTensor[]): void;
  /** The current global model, if known. */
  readonly globalWeights: readonly WeightTensor[] | undefined;
}

/** The round cannot be aggregated; the message says which client and tensor, or why no client is left. */
export class AggregationError extends Error {
  constructor(
    message: string,
    readonly rejected: readonly ClientRejection[] = [],
  ) {
    super(message);
    this.name = 'AggregationError';
  }
}
