/**
 * What the three workers share: the model, the lifelong learning slots, and how samples are read. Every setting is a
 * parameter of the worker's environment (the `env` of its template in lifelong_learning.yaml), read with
 * Context.getParameters as the original's workers did.
 */
import path from 'node:path';

import { Context, LifelongLearning, loadCsvSamples, MlpEstimator, FASHION_MNIST_CLASSES, type Env, type LifelongLearningOptions, type ModelSpec, type SampleSet } from './sedna-lib.js';

export interface WorkerSettings {
  /** The attribute column that tells sites apart (default site). */
  attribute: string;
  hiddenUnits: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** The unseen sample recognition algorithm and its calibration quantile. */
  recognition: string;
  recognitionQuantile: number;
}

export function workerSettings(env: Env = process.env): WorkerSettings {
  const context = new Context(env);
  return {
    attribute: context.getParameters('attribute', 'site'),
    hiddenUnits: context.getParameters('hidden_units', 64),
    epochs: context.getParameters('epochs', 10),
    batchSize: context.getParameters('batch_size', 32),
    learningRate: context.getParameters('learning_rate', 0.001),
    seed: context.getParameters('seed', 1),
    recognition: context.getParameters('unseen_sample_recognition', 'SampleRecognitionByDistance'),
    recognitionQuantile: context.getParameters('recognition_quantile', 0.99),
  };
}

/** A dense network for 28×28 images flattened to 784 values: one hidden layer, softmax over the 10 classes. */
export function modelSpec(hiddenUnits: number): ModelSpec {
  const output = { type: 'dense' as const, units: FASHION_MNIST_CLASSES.length, activation: 'softmax' as const };
  return { inputShape: [784], layers: hiddenUnits > 0 ? [{ type: 'dense' as const, units: hiddenUnits, activation: 'relu' as const }, output] : [output] };
}

export function createLifelong(env: Env = process.env, extra: Partial<LifelongLearningOptions> = {}): LifelongLearning {
  const settings = workerSettings(env);
  const spec = modelSpec(settings.hiddenUnits);
  return new LifelongLearning({
    seenEstimator: () => new MlpEstimator({ spec, seed: settings.seed }),
    taskDefinition: { method: 'TaskDefinitionByDataAttr', param: { attribute: settings.attribute } },
    taskRelationshipDiscovery: { method: 'DefaultTaskRelationDiscover' },
    taskAllocation: { method: 'TaskAllocationByDataAttr', param: { attribute: settings.attribute } },
    unseenSampleRecognition: { method: settings.recognition, param: settings.recognition === 'SampleRecognitionByDistance' ? { quantile: settings.recognitionQuantile } : {} },
    unseenSampleReRecognition: { method: 'SampleReRegonitionDefault' },
    unseenTaskAllocation: { method: 'UnseenTaskAllocationDefault' },
    taskUpdateDecision: { method: 'UpdateStrategyDefault' },
    trainOptions: { epochs: settings.epochs, batchSize: settings.batchSize, learningRate: settings.learningRate, seed: settings.seed },
    classes: FASHION_MNIST_CLASSES,
    env,
    ...extra,
  });
}

/**
 * Samples of a CSV index (image, site, label). Relative image paths point into the dataset's folder
 * (ORIGINAL_DATASET_URL's) for the LC's round files, into the index's own folder otherwise.
 */
export function loadSamples(url: string, dataType: 'train' | 'eval' | 'test', env: Env = process.env): Promise<SampleSet> {
  const original = env['ORIGINAL_DATASET_URL'];
  return loadCsvSamples(url, {
    dataType,
    imageColumn: 'image',
    labelColumn: 'label',
    attributeColumns: [workerSettings(env).attribute],
    ...(original ? { baseDir: path.dirname(original) } : {}),
  });
}

export function requireEnv(name: string, env: Env = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set (the control plane injects it)`);
  return value;
}
