/**
 * MistNet and FedAvgV2: in the original these only carry configuration for the Python Plato framework (their
 * aggregate() does nothing). Here MistNet's parameters drive the AggregationServer's split training
 * (core/federated_learning); FedAvgV2 (Plato's FedAvg) is not implemented. Averaging weights with either fails
 * with a clear message instead of silently returning nothing.
 */
import { ParamReader, type AlgorithmParams } from '../params.js';
import type { AggClient, Aggregation, AggregationResult } from './types.js';

export class MistNet implements Aggregation {
  readonly name = 'MistNet';
  /** The Plato settings the original passed on: `{type: "mistnet", cut_layer, epsilon}`. */
  readonly parameters: { readonly type: 'mistnet'; readonly cut_layer: number; readonly epsilon: number };

  constructor(param: AlgorithmParams = {}) {
    const read = new ParamReader('aggregation "MistNet"', param, ['cut_layer', 'epsilon']);
    // The original replaced a digit-string epsilon with int(cut_layer); each is parsed from its own value here.
    this.parameters = {
      type: 'mistnet',
      cut_layer: read.number('cut_layer', Number.NaN, { min: 0, integer: true }),
      epsilon: read.number('epsilon', 100, { min: 0, minInclusive: false }),
    };
    if (Number.isNaN(this.parameters.cut_layer)) throw new Error('aggregation "MistNet": parameter "cut_layer" is required');
  }

  aggregate(_clients: readonly AggClient[]): Promise<AggregationResult> {
    // MistNet averages no weights: the aggregation server trains the layers after the cut on the workers' features
    // (core/federated_learning, MistNetRounds). This class only carries and checks its parameters.
    return Promise.reject(new Error('aggregation "MistNet" has no weight averaging: run it through the AggregationServer, which trains the layers after cut_layer on the features workers send'));
  }
}

export class FedAvgV2 implements Aggregation {
  readonly name = 'FedAvgV2';
  readonly parameters = { type: 'fedavg' } as const;

  constructor(param: AlgorithmParams = {}) {
    new ParamReader('aggregation "FedAvgV2"', param, []);
  }

  aggregate(_clients: readonly AggClient[]): Promise<AggregationResult> {
    return Promise.reject(new Error('aggregation "FedAvgV2" is not implemented: it is the Plato path; use "FedAvg"'));
  }
}
