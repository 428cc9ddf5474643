import { ParamReader, type AlgorithmParams } from '../params.js';
import { weightedAverage } from './weighted-average.js';
import { defaultWeightedSumEngine, type WeightedSumEngine } from './weighted-sum/engine.js';
import type { WeightArena } from './weighted-sum/arena.js';
import { AggregationError, type AggClient, type Aggregation, type AggregationResult } from './types.js';

export interface EngineOptions {
  /** The weighted-sum engine (and its arena and threads); the process-wide one by default. */
  engine?: WeightedSumEngine;
}

/**
 * Keeps the last result so that a round without clients returns it, as the original's FedAvg did.
 */
export abstract class RoundMemory implements Aggregation {
  abstract readonly name: string;
  private previous: AggregationResult | undefined;

  async aggregate(clients: readonly AggClient[]): Promise<AggregationResult> {
    if (clients.length === 0) {
      if (this.previous === undefined) throw new AggregationError(`${this.name}: no client updates to aggregate, and no previous round to fall back on`);
      return { ...this.previous, weights: this.previous.weights.map((tensor) => ({ ...tensor, data: tensor.data.slice() })) };
    }
    const result = await this.aggregateRound(clients);
    this.previous = result;
    return result;
  }

  protected abstract aggregateRound(clients: readonly AggClient[]): Promise<AggregationResult>;
}

/** FedAvg: the sample-weighted average Σ nₖwₖ / Σ nₖ of the clients' weights (Sedna's default). */
export class FedAvg extends RoundMemory {
  readonly name: string = 'FedAvg';
  protected readonly engine: WeightedSumEngine;

  constructor(param: AlgorithmParams = {}, options: EngineOptions = {}) {
    super();
    new ParamReader('aggregation "FedAvg"', param, []);
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
