import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeightTensor } from '../../core/estimator.js';
import { exportToOnnx } from '../../onnx/export.js';
import type { ModelSpec } from '../model-spec.js';
import { randomInputs, syntheticClasses } from '../test-data.js';
import { TfjsEstimator } from '../tfjs/estimator.js';
import { MlpEstimator } from './estimator.js';
import { mlpSupports } from './network.js';

function maxDiff(a: readonly WeightTensor[], b: readonly WeightTensor[]): number {
  let d = 0;
  a.forEach((w, i) => {
    const other = (b[i] as WeightTensor).data;
    for (let j = 0; j < w.data.length; j++) d = Math.max(d, Math.abs((w.data[j] as number) - (other[j] as number)));
  });
  return d;
}

const specs: Record<string, ModelSpec> = {
  'relu + softmax': {
    inputShape: [20],
    layers: [
      { type: 'dense', units: 13, activation: 'relu' },
      { type: 'dense', units: 9, activation: 'relu' },
      { type: 'dense', units: 4, activation: 'softmax' },
    ],
  },
  'sigmoid/tanh + logits, no bias': {
    inputShape: [4, 5],
    layers: [
      { type: 'flatten' },
      { type: 'dense', units: 7, activation: 'sigmoid' },
      { type: 'dense', units: 6, activation: 'tanh', useBias: false },
      { type: 'dense', units: 3 },
    ],
  },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlp-est-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('MlpEstimator', () => {
  it.each(Object.entries(specs))('%s: training steps match tfjs (SGD and Adam) from the same weights', async (_name, spec) => {
    const { x, y } = syntheticClasses(24, spec.inputShape, spec.layers.length > 3 ? 3 : 4, 3);
    for (const optimizer of ['sgd', 'adam'] as const) {
      const mlp = new MlpEstimator({ spec, seed: 1 });
      const tfjs = await TfjsEstimator.create({ spec, seed: 2, engine: 'cpu' });
      tfjs.setWeights(mlp.getWeights());
      const opts = { epochs: 3, batchSize: 10, learningRate: 0.05, optimizer, shuffle: false };
      const a = await mlp.train(x, y, opts);
      const b = await tfjs.train(x, y, opts);
      expect(maxDiff(mlp.getWeights(), tfjs.getWeights())).toBeLessThan(2e-5);
      expect(a['loss']).toBeCloseTo(b['loss'] as number, 4);
      tfjs.dispose();
    }
  });

  it('learns a synthetic task with dropout, evaluates and predicts', async () => {
    const spec: ModelSpec = {
      inputShape: [30],
      layers: [
        { type: 'dense', units: 32, activation: 'relu' },
        { type: 'dropout', rate: 0.2 },
        { type: 'dense', units: 5, activation: 'softmax' },
      ],
    };
    const { x, y } = syntheticClasses(500, [30], 5, 8);
    const mlp = new MlpEstimator({ spec, seed: 4 });
    const seen: number[] = [];
    const res = await mlp.train(x, y, { epochs: 10, batchSize: 32, learningRate: 0.01, seed: 5, onEpochEnd: (e) => seen.push(e) });
    expect(seen).toHaveLength(10);
    expect(res['accuracy']).toBeGreaterThan(0.9);
    const ev = await mlp.evaluate(x, y);
    expect(ev['accuracy']).toBeGreaterThan(0.95);
    const p = await mlp.predict({ data: x.data.subarray(0, 60), shape: [2, 30] });
    expect(p.shape).toEqual([2, 5]);
    expect(Array.from(p.data.subarray(0, 5)).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
  });

  it('saves in the tfjs format: tfjs loads it, and it loads back', async () => {
    const spec = specs['relu + softmax'] as ModelSpec;
    const mlp = new MlpEstimator({ spec, seed: 6 });
    const url = await mlp.save(join(dir, 'mlp'));
    const x = randomInputs(7, [20]);
    const tfjs = await TfjsEstimator.create();
    await tfjs.load(url);
    const again = new MlpEstimator();
    await again.load(join(dir, 'mlp'));
    const [a, b, c] = [await mlp.predict(x), await tfjs.predict(x), await again.predict(x)];
    for (let i = 0; i < a.data.length; i++) {
      expect(b.data[i]).toBeCloseTo(a.data[i] as number, 5);
      expect(c.data[i]).toBe(a.data[i]);
    }
    tfjs.dispose();
  });

  it('exports to ONNX; ONNX Runtime matches within 1e-4', async () => {
    const spec = specs['sigmoid/tanh + logits, no bias'] as ModelSpec;
    const mlp = new MlpEstimator({ spec, seed: 9 });
    const x = randomInputs(6, [4, 5]);
    const session = await ort.InferenceSession.create(exportToOnnx({ spec: mlp.spec, weights: mlp.getWeights() }));
    const got = (await session.run({ input: new ort.Tensor('float32', x.data, [6, 4, 5]) }))['output'] as ort.Tensor;
    const want = await mlp.predict(x);
    (got.data as Float32Array).forEach((v, i) => expect(Math.abs(v - (want.data[i] as number))).toBeLessThan(1e-4));
    await session.release();
  });

  it('refuses layers it cannot train, and bad input', async () => {
    const pooled: ModelSpec = { inputShape: [8, 8, 1], layers: [{ type: 'averagePooling2d' }, { type: 'flatten' }, { type: 'dense', units: 2 }] };
    expect(mlpSupports(pooled)).toBe(false);
    expect(() => new MlpEstimator({ spec: pooled })).toThrow(/use the tfjs backend for averagePooling2d/);
    const mlp = new MlpEstimator({ spec: specs['relu + softmax'] as ModelSpec });
    await expect(mlp.train({ data: new Float32Array(20), shape: [1, 20] }, [4])).rejects.toThrow(/y\[0\] = 4/);
    expect(() => mlp.setWeights([])).toThrow(/0 weight tensors given/);
    await expect(new MlpEstimator().predict({ data: new Float32Array(0), shape: [0, 20] })).rejects.toThrow(/no model/);
  });
});
