/**
 * Training options understood by the training backends (tfjs, mlp), on top of the contract's TrainOptions.
 */
import type { TrainOptions } from '../core/estimator.js';

export type OptimizerName = 'adam' | 'sgd';

export interface BatchProgress {
  epoch: number;
  /** 1-based index of the batch just finished within the epoch. */
  batch: number;
  batches: number;
  /** Mean loss of that batch. */
  loss: number;
}

export interface BackendTrainOptions extends TrainOptions {
  /** 'adam' (default; beta1 0.9, beta2 0.999, epsilon 1e-7 as in tfjs/Keras) or plain 'sgd'. */
  optimizer?: OptimizerName;
  /** Shuffle the samples every epoch (default true). */
  shuffle?: boolean;
  /** Seed for the shuffle (and dropout masks in the mlp backend); random when absent. */
  seed?: number;
  /** Called after every batch: fine-grained progress. */
  onBatchEnd?: (progress: BatchProgress) => void;
}

export interface ResolvedTrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: OptimizerName;
  shuffle: boolean;
  seed: number | undefined;
  onEpochEnd: ((epoch: number, metrics: Record<string, number>) => void) | undefined;
  onBatchEnd: ((progress: BatchProgress) => void) | undefined;
}

export const TRAIN_DEFAULTS = { epochs: 1, batchSize: 32, learningRate: 1e-3, optimizer: 'adam' as OptimizerName };

function positiveInt(v: unknown, field: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`options.${field} must be a positive integer, got ${String(v)}`);
  return v;
}

function callback<F>(v: unknown, field: string): F | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'function') throw new TypeError(`options.${field} must be a function`);
  return v as F;
}

/** Validates the options a caller passed to train(); defaults fill the rest. */
export function resolveTrainOptions(options: BackendTrainOptions = {}, defaults: Partial<ResolvedTrainOptions> = {}): ResolvedTrainOptions {
  const learningRate = options.learningRate ?? defaults.learningRate ?? TRAIN_DEFAULTS.learningRate;
  if (typeof learningRate !== 'number' || !(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new RangeError(`options.learningRate must be a positive number, got ${String(learningRate)}`);
  }
  const optimizer = options.optimizer ?? defaults.optimizer ?? TRAIN_DEFAULTS.optimizer;
  if (optimizer !== 'adam' && optimizer !== 'sgd') throw new RangeError(`options.optimizer must be 'adam' or 'sgd', got ${String(optimizer)}`);
  const shuffle = options.shuffle ?? defaults.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw new TypeError('options.shuffle must be a boolean');
  const seed = options.seed ?? defaults.seed;
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed))) throw new TypeError('options.seed must be an integer');
  return {
    epochs: positiveInt(options.epochs, 'epochs', defaults.epochs ?? TRAIN_DEFAULTS.epochs),
    batchSize: positiveInt(options.batchSize, 'batchSize', defaults.batchSize ?? TRAIN_DEFAULTS.batchSize),
    learningRate,
    optimizer,
    shuffle,
    seed,
    onEpochEnd: callback(options.onEpochEnd, 'onEpochEnd'),
    onBatchEnd: callback(options.onBatchEnd, 'onBatchEnd'),
  };
}
