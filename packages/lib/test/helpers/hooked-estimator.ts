/** Test-only: an estimator that wraps another with hooks, for workers that fail, stall or report bad weights. */
import type { Estimator, Labels, Metrics, Tensor, TrainOptions, WeightTensor } from '../../src/core/estimator.js';

export interface EstimatorHooks {
  /** Before each local training (`training`: 1, 2, ...): may throw or wait. */
  beforeTrain?: (training: number) => Promise<void> | void;
  /** What the worker reports instead of its weights. */
  weights?: (weights: WeightTensor[]) => WeightTensor[];
  /** Keep its own weights when the aggregator sends the global ones. */
  ignoreSetWeights?: boolean;
}

/** An estimator around another one, with hooks: before each local training, and on the weights it reports. */
export class HookedEstimator implements Estimator {
  trainings = 0;
  constructor(
    readonly inner: Estimator,
    private readonly hooks: EstimatorHooks,
  ) {}
  async train(x: Tensor, y: Labels, options?: TrainOptions): Promise<Metrics> {
    this.trainings++;
    await this.hooks.beforeTrain?.(this.trainings);
    return this.inner.train(x, y, options);
  }
  evaluate(x: Tensor, y: Labels): Promise<Metrics> {
    return this.inner.evaluate(x, y);
  }
  predict(x: Tensor): Promise<Tensor> {
    return this.inner.predict(x);
  }
  load(url: string): Promise<void> {
    return this.inner.load(url);
  }
  save(url: string): Promise<string> {
    return this.inner.save(url);
  }
  getWeights(): WeightTensor[] {
    const weights = this.inner.getWeights();
    return this.hooks.weights ? this.hooks.weights(weights) : weights;
  }
  setWeights(weights: readonly WeightTensor[]): void {
    if (!this.hooks.ignoreSetWeights) this.inner.setWeights(weights);
  }
}
