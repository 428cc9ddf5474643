/**
 * MistNet and FedAvgV2: in the original these only carry configuration for the Python Plato framework (their
 * aggregate() does nothing). There is no Plato here, so they keep their parameters and names, and aggregating
 * with them fails with a clear message instead of silently returning nothing.
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
    return Promise.reject(new Error('aggregation "MistNet" is not implemented: it needs the Plato split-learning backend'));
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
