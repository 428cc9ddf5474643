import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../core/estimator.js';
import type { ModelSpec } from '../backend/model-spec.js';
import { OnnxEstimator } from '../backend/onnx/estimator.js';
import { randomInputs, syntheticClasses } from '../backend/test-data.js';
import { TfjsEstimator } from '../backend/tfjs/estimator.js';
import { exportToOnnx, saveOnnx } from './export.js';
import { exportLayersModelToOnnx } from './from-tfjs.js';

const mlp: ModelSpec = {
  inputShape: [784],
  layers: [
    { type: 'dense', units: 64, activation: 'relu' },
    { type: 'dropout', rate: 0.2 },
    { type: 'dense', units: 32, activation: 'tanh' },
    { type: 'dense', units: 16, activation: 'sigmoid', useBias: false },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
};

const cnn: ModelSpec = {
  inputShape: [28, 28, 1],
  layers: [
    { type: 'conv2d', filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }, // 14x14, asymmetric pads
    { type: 'conv2d', filters: 8, kernelSize: [3, 2], activation: 'tanh' }, // 12x13
    { type: 'averagePooling2d', poolSize: 2, padding: 'same' }, // 6x7, partial windows at the border
    { type: 'maxPooling2d', poolSize: 2, strides: 1 }, // 5x6
    { type: 'flatten' },
    { type: 'dropout', rate: 0.5 },
    { type: 'dense', units: 24, activation: 'relu' },
    { type: 'dense', units: 10 },
  ],
};

/** Ends on a conv with softmax: the output stays an image, and softmax runs over channels. */
const convHead: ModelSpec = {
  inputShape: [9, 9, 2],
  layers: [
    { type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same', activation: 'softmax', useBias: false },
    { type: 'maxPooling2d', poolSize: 3, padding: 'same', strides: 2 },
  ],
};

async function runOrt(bytes: Uint8Array, x: Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ input: new ort.Tensor('float32', x.data, [...x.shape]) });
    return (out['output'] as ort.Tensor).data as Float32Array;
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'onnx-export-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('exportToOnnx', () => {
  it.each([
    ['MLP', mlp],
    ['CNN', cnn],
    ['conv head', convHead],
  ] as const)('%s: ONNX Runtime output matches tfjs within 1e-4', async (_name, spec) => {
    const est = await TfjsEstimator.create({ spec, seed: 11 });
    const x = randomInputs(5, spec.inputShape, 3);
    const expected = await est.predict(x);
    const bytes = exportToOnnx({ spec: est.spec, weights: est.getWeights() });
    const got = await runOrt(bytes, x);
    expect(maxAbsDiff(got, expected.data)).toBeLessThan(1e-4);
    est.dispose();
  });

  it('exports a trained CNN; the ONNX estimator reproduces its predictions and accuracy', async () => {
    const { x, y } = syntheticClasses(96, [28, 28, 1], 10, 5);
    const est = await TfjsEstimator.create({ spec: cnn, seed: 2 });
    await est.train(x, y, { epochs: 1, batchSize: 32, learningRate: 0.01, seed: 1 });
    const url = await saveOnnx(est, join(dir, 'cnn', 'model.onnx'));
    const onnx = new OnnxEstimator({ batchSize: 7 });
    await onnx.load(url);
    const [a, b] = [await est.predict(x), await onnx.predict(x)];
    expect(b.shape).toEqual([96, 10]);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-4);
    const [ea, eb] = [await est.evaluate(x, y), await onnx.evaluate(x, y)];
    expect(eb['accuracy']).toBe(ea['accuracy']);
    expect(eb['loss']).toBeCloseTo(ea['loss'] as number, 4);
    onnx.dispose();
    est.dispose();
  });

  it('exports straight from a tfjs LayersModel', async () => {
    const est = await TfjsEstimator.create({ spec: mlp, seed: 4 });
    const x = randomInputs(3, [784], 1);
    const got = await runOrt(exportLayersModelToOnnx(est.layersModel), x);
    expect(maxAbsDiff(got, (await est.predict(x)).data)).toBeLessThan(1e-4);
    est.dispose();
  });

  it('supports a fixed batch size and custom tensor names', async () => {
    const est = await TfjsEstimator.create({ spec: mlp, seed: 4 });
    const bytes = exportToOnnx({ spec: est.spec, weights: est.getWeights() }, { batchSize: 2, inputName: 'pixels', outputName: 'probs' });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['pixels']);
    expect(session.outputNames).toEqual(['probs']);
    await session.release();
    est.dispose();
  });

  it('refuses weights that do not fit the spec', () => {
    expect(() => exportToOnnx({ spec: mlp, weights: [] })).toThrow(/0 weight tensors given, the model has 7/);
  });
});
