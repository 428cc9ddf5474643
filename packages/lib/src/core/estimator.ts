/**
 * The estimator contract every training or inference backend implements (DESIGN.md principle 7).
 * Worker programs hand an Estimator to the feature classes (JointInference, IncrementalLearning, ...).
 */

/** A batch of samples: a flat float32 buffer with its shape ([n, ...featureShape]). */
export interface Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** Integer class labels, one per sample. */
export type Labels = Int32Array | readonly number[];

export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Called after each epoch with its metrics; a place to print progress. */
  onEpochEnd?: (epoch: number, metrics: Record<string, number>) => void;
  /** Extra backend-specific options (for example FedProx's `proximalMu` and the global weights). */
  [option: string]: unknown;
}

export type Metrics = Record<string, number>;

/** Model weights as named float32 arrays with shapes, in a stable order. */
export interface WeightTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface Estimator {
  train(x: Tensor, y: Labels, options?: TrainOptions): Promise<Metrics>;
  evaluate(x: Tensor, y: Labels): Promise<Metrics>;
  /** Class probabilities (or raw outputs), shape [n, outputs]. */
  predict(x: Tensor): Promise<Tensor>;
  /** Loads a model from a URL: local path, file://, s3:// or http(s)://. */
  load(url: string): Promise<void>;
  /** Saves the model to a URL; returns the URL written. */
  save(url: string): Promise<string>;
  getWeights(): WeightTensor[];
  setWeights(weights: readonly WeightTensor[]): void;
  /** Frees native or wasm memory. */
  dispose?(): void;
}
