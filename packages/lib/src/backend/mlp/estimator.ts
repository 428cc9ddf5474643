/**
 * The mlp estimator: trains sequential networks of dense, conv2d, maxPooling2d, dropout and flatten layers with
 * the WebAssembly SIMD kernels of ./wasm instead of tfjs, several times faster on one thread. Same Estimator
 * contract, same weight layout and names, same saved format (a tfjs model directory, written and read without
 * loading tfjs) as the tfjs estimator, and exportable to ONNX. (The name is from when it trained dense networks
 * only; it stays, as BACKEND_TYPE=MLP, the examples and saved deployments name it.)
 */
import type { Estimator, Labels, Metrics, Tensor, WeightTensor } from '../../core/estimator.js';
import { checkBatch, checkLabels, classificationMetrics, seededRandom, shuffledIndices, yieldToEventLoop } from '../batch.js';
import { loadSpecModel, saveSpecModel } from '../model-files.js';
import { type ModelSpec, checkWeightsFit, finalActivation, validateModelSpec } from '../model-spec.js';
import { type BackendTrainOptions, type OptimizerName, type ResolvedTrainOptions, resolveTrainOptions } from '../train-options.js';
import { WasmNetwork } from './network.js';
import { planLayers } from './plan.js';

export interface MlpEstimatorOptions {
  /** The network to build; without it, call load() first. Dense, conv2d, maxPooling2d, dropout and flatten layers. */
  spec?: ModelSpec;
  /** Seed for the initial weights (and the default shuffle and dropout seed). */
  seed?: number;
  trainDefaults?: Partial<Pick<ResolvedTrainOptions, 'epochs' | 'batchSize' | 'learningRate' | 'optimizer'>>;
  /** Samples per predict/evaluate step (default 256). */
  predictBatchSize?: number;
}

const YIELD_EVERY_MS = 100;

export class MlpEstimator implements Estimator {
  private network: WasmNetwork | undefined;
  /** The constructor's spec, until the network is first needed (net()) or a model is loaded over it. */
  private pendingSpec: ModelSpec | undefined;
  private optimizerState: { name: OptimizerName; learningRate: number } | undefined;
  private readonly predictBatchSize: number;

  constructor(private readonly options: MlpEstimatorOptions = {}) {
    this.predictBatchSize = options.predictBatchSize ?? 256;
    if (!Number.isInteger(this.predictBatchSize) || this.predictBatchSize < 1) throw new RangeError('predictBatchSize must be a positive integer');
    if (options.spec !== undefined) {
      const spec = validateModelSpec(options.spec);
      planLayers(spec); // an unsupported spec fails here, not at first use
      this.pendingSpec = spec;
    }
  }

  /** Same as the constructor; mirrors TfjsEstimator.create. */
  static async create(options: MlpEstimatorOptions = {}): Promise<MlpEstimator> {
    return new MlpEstimator(options);
  }

  private net(): WasmNetwork {
    if (this.network === undefined && this.pendingSpec !== undefined) {
      // Built at first use: an estimator made to load a model (most of them in incremental learning's rounds)
      // never fills random weights it would throw away.
      this.network = new WasmNetwork(this.pendingSpec);
      this.network.initialise(seededRandom(this.options.seed ?? Math.floor(Math.random() * 2 ** 31)));
    }
    this.pendingSpec = undefined;
    if (this.network === undefined) throw new Error('MlpEstimator has no model: pass a spec to the constructor or call load(url) first');
    return this.network;
  }

  get spec(): ModelSpec {
    return this.net().spec;
  }

  async train(x: Tensor, y: Labels, options: BackendTrainOptions = {}): Promise<Metrics> {
    const net = this.net();
    const o = resolveTrainOptions(options, { ...this.options.trainDefaults, seed: options.seed ?? this.options.seed });
    const n = checkBatch(x, net.spec.inputShape);
    const labels = checkLabels(y, n, net.outputSize);
    if (n === 0) throw new RangeError('x has no samples to train on');
    // Adam's moments belong to one optimizer configuration; a new one starts fresh, as the tfjs estimator does.
    if (this.optimizerState?.name !== o.optimizer || this.optimizerState.learningRate !== o.learningRate) {
      net.resetOptimizer();
      this.optimizerState = { name: o.optimizer, learningRate: o.learningRate };
    }
    const random = seededRandom(o.seed ?? Math.floor(Math.random() * 2 ** 31));
    const batches = Math.ceil(n / o.batchSize);
    const started = performance.now();
    let lastYield = started;
    let last = { loss: NaN, accuracy: NaN };
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const order = o.shuffle ? shuffledIndices(n, random) : Int32Array.from({ length: n }, (_, i) => i);
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < batches; b++) {
        const indices = order.subarray(b * o.batchSize, Math.min(n, (b + 1) * o.batchSize));
        const step = net.trainStep(x.data, labels, indices, this.optimizerState, random);
        lossSum += step.loss * indices.length;
        correct += step.correct;
        o.onBatchEnd?.({ epoch, batch: b + 1, batches, loss: step.loss });
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      last = { loss: lossSum / n, accuracy: correct / n };
      o.onEpochEnd?.(epoch, { ...last });
    }
    const seconds = (performance.now() - started) / 1000;
    return { ...last, epochs: o.epochs, samples: n, seconds, samplesPerSecond: (n * o.epochs) / seconds };
  }

  async predict(x: Tensor): Promise<Tensor> {
    const net = this.net();
    const n = checkBatch(x, net.spec.inputShape);
    return { data: net.predict(x.data, n, this.predictBatchSize), shape: [n, ...net.outputShape] };
  }

  async evaluate(x: Tensor, y: Labels): Promise<Metrics> {
    const net = this.net();
    const n = checkBatch(x, net.spec.inputShape);
    const labels = checkLabels(y, n, net.outputSize);
    const out = net.predict(x.data, n, this.predictBatchSize);
    return classificationMetrics(out, net.outputSize, labels, finalActivation(net.spec) === 'softmax' ? 'probabilities' : 'logits');
  }

  async load(url: string): Promise<void> {
    // The tfjs file format is read without TensorFlow.js (../model-files.ts): loading tfjs costs seconds.
    const { spec, weights } = await loadSpecModel(url);
    const network = new WasmNetwork(spec);
    network.setWeights(weights);
    this.network = network;
    this.pendingSpec = undefined;
    this.optimizerState = undefined;
  }

  /** Saves in the tfjs directory format (model.json + weights.bin); returns the model.json URL. */
  async save(url: string): Promise<string> {
    const net = this.net();
    return saveSpecModel(net.spec, net.getWeights(), url);
  }

  getWeights(): WeightTensor[] {
    return this.net().getWeights();
  }

  setWeights(weights: readonly WeightTensor[]): void {
    const net = this.net();
    checkWeightsFit(net.spec, weights, 'setWeights');
    net.setWeights(weights);
  }

  dispose(): void {
    this.network = undefined;
    this.pendingSpec = undefined;
  }
}
