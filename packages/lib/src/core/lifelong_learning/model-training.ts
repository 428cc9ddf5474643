/** Training one task group's model: a fresh estimator, or one started from an existing model (transfer, retrain). */
import type { SampleSet } from '../../algorithms/lifelong/sample-set.js';
import type { Estimator, Metrics, TrainOptions } from '../estimator.js';
import type { EstimatorFactory } from './loaded-knowledge.js';

export interface GroupTrainingOptions {
  factory: EstimatorFactory;
  trainOptions: TrainOptions;
  /** A model URL to start from instead of fresh weights. */
  startFrom?: string;
}

export async function trainGroupModel(samples: SampleSet, options: GroupTrainingOptions): Promise<{ estimator: Estimator; metrics: Metrics }> {
  const labels = samples.requireLabels('training a task model');
  if (samples.size === 0) throw new Error('training a task model needs at least one sample');
  const estimator = await options.factory();
  if (options.startFrom !== undefined) {
    try {
      await estimator.load(options.startFrom);
    } catch (error) {
      throw new Error(`cannot load the model to start from (${options.startFrom}): ${(error as Error).message}`, { cause: error });
    }
  }
  const metrics = await estimator.train(samples.features, labels, options.trainOptions);
  return { estimator, metrics };
}
