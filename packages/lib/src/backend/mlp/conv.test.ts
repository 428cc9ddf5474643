import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeightTensor } from '../../core/estimator.js';
import { numericalGradients, referenceForward } from '../../../test/helpers/reference-network.js';
import { seededRandom } from '../batch.js';
import type { ModelSpec } from '../model-spec.js';
import { randomInputs, syntheticClasses } from '../test-data.js';
import { TfjsEstimator } from '../tfjs/estimator.js';
import { MlpEstimator } from './estimator.js';
import { WasmNetwork, mlpSupports } from './network.js';

/** Small models covering every path of the conv and pooling layers: strides, 'same' padding, channel counts. */
const specs: Record<string, ModelSpec> = {
  'conv relu, pool, conv same tanh, dense logits': {
    inputShape: [7, 6, 2],
    layers: [
      { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'conv2d', filters: 3, kernelSize: [2, 1], padding: 'same', activation: 'tanh' },
      { type: 'flatten' },
      { type: 'dense', units: 5 },
    ],
  },
  'strided conv, same pool of 3 channels, no bias, softmax': {
    inputShape: [8, 9, 1],
    layers: [
      { type: 'conv2d', filters: 3, kernelSize: [3, 2], strides: [2, 1], useBias: false, activation: 'sigmoid' },
      { type: 'maxPooling2d', poolSize: [2, 3], strides: [1, 2], padding: 'same' },
      { type: 'flatten' },
      { type: 'dense', units: 6, activation: 'relu' },
      { type: 'dense', units: 4, activation: 'softmax' },
    ],
  },
};

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i] as number));
  return m;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlp-conv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('wasm trainer: convolution and pooling layers', () => {
  it.each(Object.entries(specs))('%s: outputs and gradients match a plain JS reference (numerical gradients)', (_name, spec) => {
    const n = 3;
    const { x, y } = syntheticClasses(n, spec.inputShape, 4, 5, 1);
    const net = new WasmNetwork(spec);
    net.initialise(seededRandom(3));
    const weights = net.getWeights();
    const want = referenceForward(spec, weights.map((w) => w.data), x.data, n);
    const got = net.predict(x.data, n, 2);
    expect(maxDiff(got, want)).toBeLessThan(1e-5);
    // one step with a negligible learning rate: the gradients are those at `weights`
    net.trainStep(x.data, y, Int32Array.from({ length: n }, (_, i) => i), { name: 'sgd', learningRate: 1e-30 }, Math.random);
    const numeric = numericalGradients(spec, weights.map((w) => w.data), x.data, y, n);
    net.gradients().forEach((g: WeightTensor, i) => {
      const reference = numeric[i] as Float64Array;
      expect(maxAbs(reference), g.name).toBeGreaterThan(0);
      expect(maxDiff(g.data, reference) / maxAbs(reference), g.name).toBeLessThan(1e-3);
    });
  });

  it('trains like tfjs from the same weights (SGD and Adam)', async () => {
    const spec = specs['conv relu, pool, conv same tanh, dense logits'] as ModelSpec;
    const { x, y } = syntheticClasses(20, spec.inputShape, 5, 3);
    for (const optimizer of ['sgd', 'adam'] as const) {
      const mlp = new MlpEstimator({ spec, seed: 1 });
      const tfjs = await TfjsEstimator.create({ spec, seed: 2, engine: 'cpu' });
      tfjs.setWeights(mlp.getWeights());
      const opts = { epochs: 3, batchSize: 8, learningRate: 0.02, optimizer, shuffle: false };
      const a = await mlp.train(x, y, opts);
      const b = await tfjs.train(x, y, opts);
      const theirs = tfjs.getWeights();
      mlp.getWeights().forEach((w, i) => expect(maxDiff(w.data, (theirs[i] as WeightTensor).data), w.name).toBeLessThan(1e-4));
      expect(a['loss']).toBeCloseTo(b['loss'] as number, 4);
      tfjs.dispose();
    }
  });

  it('sums a wide convolution\'s weight gradient over several chunks of rows exactly as tfjs computes it', async () => {
    // Q + CO = 3*3*80 + 48 floats a row: the weight gradient runs in chunks of 64 of the 200 output pixels
    const spec: ModelSpec = { inputShape: [12, 12, 80], layers: [{ type: 'conv2d', filters: 48, kernelSize: 3 }, { type: 'flatten' }, { type: 'dense', units: 3 }] };
    const { x, y } = syntheticClasses(2, spec.inputShape, 3, 4);
    const mlp = new MlpEstimator({ spec, seed: 1 });
    const tfjs = await TfjsEstimator.create({ spec, seed: 2, engine: 'cpu' });
    tfjs.setWeights(mlp.getWeights());
    const opts = { epochs: 1, batchSize: 2, learningRate: 0.1, optimizer: 'sgd' as const, shuffle: false };
    await mlp.train(x, y, opts);
    await tfjs.train(x, y, opts);
    const [ours, theirs] = [mlp.getWeights()[0] as WeightTensor, tfjs.getWeights()[0] as WeightTensor];
    expect(maxDiff(ours.data, theirs.data)).toBeLessThan(1e-5);
    tfjs.dispose();
  });

  it('saves in the tfjs format: tfjs loads what it saves and it loads what tfjs saves', async () => {
    const spec = specs['strided conv, same pool of 3 channels, no bias, softmax'] as ModelSpec;
    const x = randomInputs(5, spec.inputShape);
    const mlp = new MlpEstimator({ spec, seed: 6 });
    const tfjs = await TfjsEstimator.create();
    await tfjs.load(await mlp.save(join(dir, 'from-mlp')));
    expect(maxDiff((await tfjs.predict(x)).data, (await mlp.predict(x)).data)).toBeLessThan(1e-5);
    const other = await TfjsEstimator.create({ spec, seed: 8 });
    const again = new MlpEstimator();
    await again.load(await other.save(join(dir, 'from-tfjs')));
    expect(maxDiff((await again.predict(x)).data, (await other.predict(x)).data)).toBeLessThan(1e-5);
    tfjs.dispose();
    other.dispose();
  });

  it('learns a small image task; predict gives image outputs for a model cut before flatten', async () => {
    const spec: ModelSpec = {
      inputShape: [10, 10, 1],
      layers: [
        { type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu' },
        { type: 'maxPooling2d', poolSize: 2 },
        { type: 'flatten' },
        { type: 'dropout', rate: 0.1 },
        { type: 'dense', units: 4 },
      ],
    };
    const { x, y } = syntheticClasses(200, [10, 10, 1], 4, 8, 0.8);
    const mlp = new MlpEstimator({ spec, seed: 4 });
    await mlp.train(x, y, { epochs: 8, batchSize: 16, learningRate: 0.01, seed: 5 });
    expect((await mlp.evaluate(x, y))['accuracy']).toBeGreaterThan(0.9);
    const edge = new MlpEstimator({ spec: { inputShape: [10, 10, 1], layers: spec.layers.slice(0, 2) }, seed: 1 });
    expect((await edge.predict({ data: x.data.subarray(0, 200), shape: [2, 10, 10, 1] })).shape).toEqual([2, 4, 4, 8]);
  });

  it('refuses average pooling, naming the layer', () => {
    const spec: ModelSpec = { inputShape: [8, 8, 1], layers: [{ type: 'averagePooling2d' }, { type: 'flatten' }, { type: 'dense', units: 2 }] };
    expect(mlpSupports(spec)).toBe(false);
    expect(() => new MlpEstimator({ spec })).toThrow(/spec.layers\[0\].*use the tfjs backend for averagePooling2d/);
  });
});
