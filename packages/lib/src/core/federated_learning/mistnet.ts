/**
 * MistNet (split learning with local differential privacy, as Sedna ran it through the Plato framework): the model
 * is cut after `cut_layer` layers. Each edge worker runs the first part, frozen, on its own data and uploads the
 * resulting features, each value clipped to [−clip, clip] and perturbed with Laplace noise of scale 2·clip/ε, with
 * the labels; the raw images never leave the node. The cloud trains the rest of the model on the features of all
 * workers, and the global model is the frozen first part followed by the trained rest.
 *
 * The Laplace mechanism gives each feature value ε-local differential privacy (the clipped range has sensitivity
 * 2·clip); a whole feature vector of d values composes to d·ε. The original's default ε is 100, which protects
 * little: it makes the noise small enough to learn from. Both parts run on the lib's mlp estimator, so the model
 * must be made of the layers it trains (dense, conv2d, maxPooling2d, dropout and flatten).
 */
import { MlpEstimator } from '../../backend/mlp/estimator.js';
import { layerName, outputShapeOf, weightShapes, type ModelSpec } from '../../backend/model-spec.js';
import type { RandomSource } from '../../common/random.js';
import type { Metrics, Tensor, WeightTensor } from '../estimator.js';

/** The model split at `cut_layer`: the edge part's layers, the cloud part's, and how many weight tensors the edge has. */
export interface SplitModel {
  readonly edge: ModelSpec;
  readonly cloud: ModelSpec;
  readonly edgeTensors: number;
}

export interface MistNetSettings {
  /** Layers (entries of the spec's `layers`) that run on the edge. */
  readonly cutLayer: number;
  /** The privacy budget per feature value (the original's default: 100). */
  readonly epsilon: number;
  /** Features are clipped to [−clip, clip] before the noise (default 4). */
  readonly clip: number;
}

/** The spec cut after `cutLayer` layers; layers keep the names they have in the whole model, so weights match. */
export function splitModel(spec: ModelSpec, cutLayer: number): SplitModel {
  if (!Number.isInteger(cutLayer) || cutLayer < 1 || cutLayer >= spec.layers.length) {
    throw new RangeError(`MistNet: cut_layer must be an integer from 1 to ${spec.layers.length - 1} (the model has ${spec.layers.length} layers), got ${cutLayer}`);
  }
  const named = spec.layers.map((layer, index) => ({ ...layer, name: layerName(layer, index) }));
  const edge: ModelSpec = { inputShape: spec.inputShape, layers: named.slice(0, cutLayer) };
  const cloud: ModelSpec = { inputShape: outputShapeOf(edge), layers: named.slice(cutLayer) };
  if (weightShapes(cloud).length === 0) throw new RangeError(`MistNet: the layers after cut_layer ${cutLayer} have no weights to train`);
  return { edge, cloud, edgeTensors: weightShapes(edge).length };
}

/** Clips every value to [−clip, clip] and adds Laplace(2·clip/ε) noise, in place. */
export function privatizeFeatures(values: Float32Array, epsilon: number, clip: number, random: RandomSource): void {
  if (!(epsilon > 0) || !(clip > 0)) throw new RangeError(`MistNet: epsilon and clip must be positive, got ${epsilon} and ${clip}`);
  const scale = (2 * clip) / epsilon;
  for (let index = 0; index < values.length; index++) {
    const value = Math.min(clip, Math.max(-clip, values[index]!));
    // Inverse CDF of the Laplace distribution from u uniform in (−1/2, 1/2).
    const u = random() - 0.5;
    values[index] = value - scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
}

/** The edge part's outputs for `x` with the edge weights of `weights` (the whole model's). */
export async function extractFeatures(spec: ModelSpec, weights: readonly WeightTensor[], settings: MistNetSettings, x: Tensor, random: RandomSource): Promise<Tensor> {
  const split = splitModel(spec, settings.cutLayer);
  const edge = new MlpEstimator({ spec: split.edge, seed: 0 });
  try {
    edge.setWeights(weights.slice(0, split.edgeTensors));
    const features = await edge.predict(x);
    privatizeFeatures(features.data, settings.epsilon, settings.clip, random);
    return features;
  } finally {
    edge.dispose();
  }
}

/**
 * The cloud side: trains the part after the cut on the workers' features, continuing from the global model's
 * weights of that part, and returns the whole model (the edge part unchanged).
 */
export class MistNetCloudTrainer {
  private readonly split: SplitModel;
  private readonly cloud: MlpEstimator;

  constructor(
    spec: ModelSpec,
    settings: MistNetSettings,
    private readonly training: { epochs: number; batchSize: number; learningRate?: number; seed?: number },
  ) {
    this.split = splitModel(spec, settings.cutLayer);
    this.cloud = new MlpEstimator({ spec: this.split.cloud, seed: training.seed ?? 0 });
  }

  /** Feature width the workers must send. */
  get featureSize(): number {
    return this.split.cloud.inputShape.reduce((product, dimension) => product * dimension, 1);
  }

  async train(global: readonly WeightTensor[], features: Tensor, labels: Int32Array): Promise<{ weights: WeightTensor[]; metrics: Metrics }> {
    const edge = global.slice(0, this.split.edgeTensors);
    this.cloud.setWeights(global.slice(this.split.edgeTensors));
    const metrics = await this.cloud.train(features, labels, {
      epochs: this.training.epochs,
      batchSize: this.training.batchSize,
      ...(this.training.learningRate === undefined ? {} : { learningRate: this.training.learningRate }),
      ...(this.training.seed === undefined ? {} : { seed: this.training.seed }),
    });
    return { weights: [...edge.map((tensor) => ({ ...tensor, data: tensor.data.slice() })), ...this.cloud.getWeights()], metrics };
  }
}
