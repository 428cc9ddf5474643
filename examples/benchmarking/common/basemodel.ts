/**
 * The examples' basemodel: the dense network of the Fashion-MNIST examples (examples/incremental_learning/
 * fashion_mnist/model.ts) on the lib's MlpEstimator, with Ianvs-style hyperparameters. Registered with the lib's
 * ClassFactory as "FashionMLP" (Ianvs: `@ClassFactory.register(ClassType.GENERAL, alias="FPN")`).
 */
import { ClassFactory, ClassType } from '@sedna/lib/common';
import { MlpEstimator } from '@sedna/lib/estimators/mlp';
import { MODEL_SPEC } from '../../incremental_learning/fashion_mnist/model.js';

export interface FashionMlpHyperparameters {
  learning_rate?: number;
  epochs?: number;
  batch_size?: number;
  seed?: number;
  /** Lifelong learning's baseline: one model fine-tuned across tasks instead of one per task. */
  shared_model?: boolean;
}

export class FashionMLP extends MlpEstimator {
  constructor(hp: FashionMlpHyperparameters = {}) {
    super({
      spec: MODEL_SPEC,
      seed: hp.seed ?? 7,
      trainDefaults: { epochs: hp.epochs ?? 2, batchSize: hp.batch_size ?? 64, learningRate: hp.learning_rate ?? 0.001 },
    });
  }
}

ClassFactory.register(ClassType.GENERAL, 'FashionMLP')(FashionMLP);
