/**
 * The aggregator's side of MistNet (see ../mistnet.ts): what it tells workers, how it checks their features, and how
 * a round's features become the next global model (the cloud part trained on all of them).
 */
import type { MistNet } from '../../../algorithms/aggregation/plato.js';
import type { Estimator, Metrics, WeightTensor } from '../../estimator.js';
import { MistNetCloudTrainer, type MistNetSettings } from '../mistnet.js';
import { modelSpecOf } from '../model-output.js';
import type { RoundConfig } from '../protocol.js';
import type { CombinedRound } from './combine.js';
import type { AcceptedUpdate } from './open-round.js';

export interface MistNetTraining {
  /** Epochs the cloud trains per round (default 5). */
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** The clipping bound of the features (default 4). */
  clip?: number;
}

export class MistNetRounds {
  readonly settings: MistNetSettings;
  private readonly trainer: MistNetCloudTrainer;

  /** Needs the whole model: the estimator's spec. */
  constructor(strategy: MistNet, estimator: Estimator | undefined, training: MistNetTraining = {}) {
    const spec = estimator === undefined ? undefined : modelSpecOf(estimator);
    if (spec === undefined) throw new Error('MistNet needs the whole model: give the aggregator an estimator with a model spec (a dense network)');
    this.settings = { cutLayer: strategy.parameters.cut_layer, epsilon: strategy.parameters.epsilon, clip: training.clip ?? 4 };
    this.trainer = new MistNetCloudTrainer(spec, this.settings, {
      epochs: training.epochs ?? 5,
      batchSize: training.batchSize ?? 32,
      ...(training.learningRate === undefined ? {} : { learningRate: training.learningRate }),
    });
  }

  config(): RoundConfig {
    const { cutLayer, epsilon, clip } = this.settings;
    return { algorithm: 'MistNet', cut_layer: cutLayer, epsilon, clip };
  }

  /** A worker's features and labels from its frame's tensors, or why they cannot be used. */
  readFeatures(tensors: readonly WeightTensor[] | undefined, samples: number): NonNullable<AcceptedUpdate['features']> | string {
    const width = this.trainer.featureSize;
    if (tensors === undefined || tensors.length !== 2) return 'upload_features must carry two tensors: features and labels';
    const [x, y] = tensors as [WeightTensor, WeightTensor];
    if (x.shape.length !== 2 || x.shape[0] !== samples || x.shape[1] !== width) return `the features have shape [${x.shape.join(', ')}], expected [${samples}, ${width}]`;
    if (y.shape.length !== 1 || y.shape[0] !== samples) return `the labels have shape [${y.shape.join(', ')}], expected [${samples}]`;
    for (let index = 0; index < x.data.length; index++) if (!Number.isFinite(x.data[index]!)) return `feature value ${index} is ${x.data[index]}`;
    for (let index = 0; index < y.data.length; index++) if (!Number.isInteger(y.data[index]!) || y.data[index]! < 0) return `label ${index} is ${y.data[index]}, not a class id`;
    return { x: { data: x.data, shape: [...x.shape] }, y: Int32Array.from(y.data) };
  }

  /** The cloud part trained on every accepted worker's features; the model is the edge part and the trained rest. */
  async combine(updates: readonly AcceptedUpdate[], global: readonly WeightTensor[] | undefined): Promise<CombinedRound & { metrics: Metrics | undefined }> {
    const usable = updates.filter((update) => update.features !== undefined);
    if (usable.length === 0 || global === undefined) return { weights: undefined, used: [], rejected: [], totalSamples: 0, aggregationMs: 0, metrics: undefined };
    const width = this.trainer.featureSize;
    const total = usable.reduce((sum, update) => sum + update.numSamples, 0);
    const x = new Float32Array(total * width);
    const y = new Int32Array(total);
    let offset = 0;
    for (const update of usable) {
      x.set(update.features!.x.data, offset * width);
      y.set(update.features!.y, offset);
      offset += update.numSamples;
    }
    const started = performance.now();
    const trained = await this.trainer.train(global, { data: x, shape: [total, width] }, y);
    return { weights: trained.weights, used: usable, rejected: [], totalSamples: total, aggregationMs: performance.now() - started, metrics: trained.metrics };
  }
}
