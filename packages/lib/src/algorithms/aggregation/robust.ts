/**
 * Byzantine-robust aggregation (Flower's FedMedian, FedTrimmedAvg, Krum, MultiKrum): statistics that one
 * or a few wild clients cannot drag far. Median and trimmed mean are unweighted, per coordinate.
 */
import { ParamReader, type AlgorithmParams } from '../params.js';
import { RoundMemory, type EngineOptions } from './fedavg.js';
import { screenClients, tensorsLike } from './screening.js';
import { weightedAverage } from './weighted-average.js';
import { defaultWeightedSumEngine, type WeightedSumEngine } from './weighted-sum/engine.js';
import type { WeightArena } from './weighted-sum/arena.js';
import type { AggClient, AggregationResult } from './types.js';

/** Applies `reduce` to the K client values of every coordinate (`values` is sorted ascending). */
function perCoordinate(clients: readonly AggClient[], reduce: (sortedValues: Float64Array) => number): Float32Array[] {
  const values = new Float64Array(clients.length);
  return clients[0]!.weights.map((tensor, index) => {
    const inputs = clients.map((client) => client.weights[index]!.data);
    const out = new Float32Array(tensor.data.length);
    for (let position = 0; position < out.length; position++) {
      for (let client = 0; client < inputs.length; client++) values[client] = inputs[client]![position]!;
      values.sort();
      out[position] = reduce(values);
    }
    return out;
  });
}

function sumSamples(clients: readonly AggClient[]): number {
  return clients.reduce((sum, client) => sum + client.numSamples, 0);
}

/** FedMedian: the coordinate-wise median (the mean of the two middle values for an even count, as NumPy). */
export class FedMedian extends RoundMemory {
  readonly name = 'FedMedian';

  constructor(param: AlgorithmParams = {}) {
    super();
    new ParamReader('aggregation "FedMedian"', param, []);
  }

  protected async aggregateRound(clients: readonly AggClient[]): Promise<AggregationResult> {
    const { clients: accepted, rejected } = screenClients(clients, this.name, { scanWeights: true });
    const middle = accepted.length >> 1;
    const median = (sorted: Float64Array): number => (sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2);
    const data = perCoordinate(accepted, median);
    return { weights: tensorsLike(accepted[0]!.weights, data), totalSamples: sumSamples(accepted), accepted: accepted.map((c) => c.id), rejected };
  }
}

/**
 * FedTrimmedAvg: the coordinate-wise mean after cutting ⌊beta·K⌋ values from each end (SciPy's trim_mean).
 * Parameter `beta` (Flower's default 0.2) in [0, 0.5).
 */
export class FedTrimmedAvg extends RoundMemory {
  readonly name = 'FedTrimmedAvg';
  readonly beta: number;

  constructor(param: AlgorithmParams = {}) {
    super();
    const read = new ParamReader('aggregation "FedTrimmedAvg"', param, ['beta']);
    this.beta = read.number('beta', 0.2, { min: 0, max: 0.5, maxInclusive: false });
  }

  protected async aggregateRound(clients: readonly AggClient[]): Promise<AggregationResult> {
    const { clients: accepted, rejected } = screenClients(clients, this.name, { scanWeights: true });
    const cut = Math.floor(this.beta * accepted.length);
    const kept = accepted.length - 2 * cut;
    const trimmedMean = (sorted: Float64Array): number => {
      let sum = 0;
      for (let index = cut; index < sorted.length - cut; index++) sum += sorted[index]!;
      return sum / kept;
    };
    const data = perCoordinate(accepted, trimmedMean);
    return { weights: tensorsLike(accepted[0]!.weights, data), totalSamples: sumSamples(accepted), accepted: accepted.map((c) => c.id), rejected };
  }
}

/** Squared L2 distances between every pair of clients over all their weights. */
function squaredDistances(clients: readonly AggClient[]): Float64Array[] {
  const count = clients.length;
  const distances = Array.from({ length: count }, () => new Float64Array(count));
  for (let a = 0; a < count; a++) {
    for (let b = a + 1; b < count; b++) {
      let sum = 0;
      clients[a]!.weights.forEach((tensor, index) => {
        const x = tensor.data;
        const y = clients[b]!.weights[index]!.data;
        for (let position = 0; position < x.length; position++) {
          const difference = x[position]! - y[position]!;
          sum += difference * difference;
        }
      });
      distances[a]![b] = sum;
      distances[b]![a] = sum;
    }
  }
  return distances;
}

/**
 * Krum scores (Blanchard et al.): for each client, the sum of squared distances to its K − f − 2 nearest
 * other clients (at least 1), f being the number of malicious clients tolerated.
 */
export function krumScores(clients: readonly AggClient[], numMalicious: number): number[] {
  const distances = squaredDistances(clients);
  const nearest = Math.max(1, clients.length - numMalicious - 2);
  return distances.map((row, self) => {
    const others = [...row].filter((_, other) => other !== self).sort((x, y) => x - y);
    return others.slice(0, nearest).reduce((sum, distance) => sum + distance, 0);
  });
}

/** Indices of the `count` lowest scores, lowest first (ties: the earlier client). */
function lowestScores(scores: readonly number[], count: number): number[] {
  return scores
    .map((score, index) => ({ score, index }))
    .sort((x, y) => x.score - y.score || x.index - y.index)
    .slice(0, count)
    .map((entry) => entry.index);
}

/**
 * Krum: the single client update with the lowest Krum score. Parameters (Flower's legacy names and
 * defaults): `num_malicious_clients` 0, `num_clients_to_keep` 0; a positive `num_clients_to_keep` makes it
 * MultiKrum (the sample-weighted average of that many best-scored clients).
 */
export class Krum extends RoundMemory {
  readonly name: string = 'Krum';
  readonly numMaliciousClients: number;
  readonly numClientsToKeep: number;
  private readonly engine: WeightedSumEngine;

  constructor(param: AlgorithmParams = {}, options: EngineOptions = {}, owner = 'Krum') {
    super();
    const read = new ParamReader(`aggregation "${owner}"`, param, ['num_malicious_clients', 'num_clients_to_keep']);
    this.numMaliciousClients = read.number('num_malicious_clients', 0, { min: 0, integer: true });
    this.numClientsToKeep = read.number('num_clients_to_keep', 0, { min: 0, integer: true });
    this.engine = options.engine ?? defaultWeightedSumEngine();
  }

  /** Its engine's arena: the aggregation server copies arriving updates there, so the round reads them in place. */
  get inputArena(): WeightArena {
    return this.engine.arena;
  }

  /** How many best-scored clients to average; 0 means plain Krum (the single best, unaveraged). */
  protected keepCount(clientCount: number): number {
    return Math.min(this.numClientsToKeep, clientCount);
  }

  protected async aggregateRound(clients: readonly AggClient[]): Promise<AggregationResult> {
    const { clients: accepted, rejected } = screenClients(clients, this.name, { scanWeights: true });
    const scores = krumScores(accepted, this.numMaliciousClients);
    const keep = this.keepCount(accepted.length);
    if (keep === 0) {
      const best = accepted[lowestScores(scores, 1)[0]!]!;
      const data = best.weights.map((tensor) => tensor.data.slice());
      return { weights: tensorsLike(best.weights, data), totalSamples: best.numSamples, accepted: [best.id], rejected };
    }
    const chosen = lowestScores(scores, keep).map((index) => accepted[index]!);
    const average = await weightedAverage(chosen, this.name, this.engine);
    return { ...average, rejected: [...rejected, ...average.rejected] };
  }
}

/**
 * MultiKrum: the sample-weighted average of the `num_clients_to_keep` clients with the lowest Krum scores.
 * `num_clients_to_keep` 0 (the default) keeps K − `num_malicious_clients`, the usual MultiKrum choice.
 */
export class MultiKrum extends Krum {
  override readonly name: string = 'MultiKrum';

  constructor(param: AlgorithmParams = {}, options: EngineOptions = {}) {
    super(param, options, 'MultiKrum');
  }

  protected override keepCount(clientCount: number): number {
    const keep = this.numClientsToKeep > 0 ? this.numClientsToKeep : clientCount - this.numMaliciousClients;
    return Math.min(Math.max(keep, 1), clientCount);
  }
}
