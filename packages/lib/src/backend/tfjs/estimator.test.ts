import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { copyFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MlpEstimator } from '../mlp/estimator.js';
import { setRemoteModelStorage } from '../model-location.js';
import { writeModelArtifacts } from './model-dir.js';
import type { ModelSpec } from '../model-spec.js';
import { syntheticClasses } from '../test-data.js';
import { TfjsEstimator } from './estimator.js';

const mlpSpec: ModelSpec = {
  inputShape: [12],
  layers: [
    { type: 'dense', units: 16, activation: 'relu' },
    { type: 'dropout', rate: 0.1 },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
};

const cnnSpec: ModelSpec = {
  inputShape: [8, 8, 1],
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'tanh' },
    { type: 'averagePooling2d', poolSize: 2, strides: 1 },
    { type: 'flatten' },
    { type: 'dense', units: 2 },
  ],
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tfjs-est-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => setRemoteModelStorage(undefined));

describe('TfjsEstimator', () => {
  it('trains an MLP on wasm, reports progress, evaluates and predicts probabilities', async () => {
    const { x, y } = syntheticClasses(300, [12], 3, 1);
    const est = await TfjsEstimator.create({ spec: mlpSpec, seed: 3 });
    expect(est.trainingEngine()).toBe('wasm');
    const epochs: number[] = [];
    let batches = 0;
    const res = await est.train(x, y, { epochs: 15, batchSize: 32, learningRate: 0.01, seed: 1, onEpochEnd: (e) => epochs.push(e), onBatchEnd: () => batches++ });
    expect(epochs).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(batches).toBe(15 * 10);
    expect(res['accuracy']).toBeGreaterThan(0.9);
    const ev = await est.evaluate(x, y);
    expect(ev['accuracy']).toBeGreaterThan(0.9);
    expect(ev['loss']).toBeLessThan(0.5);
    const p = await est.predict({ data: x.data.subarray(0, 24), shape: [2, 12] });
    expect(p.shape).toEqual([2, 3]);
    expect((p.data[0] as number) + (p.data[1] as number) + (p.data[2] as number)).toBeCloseTo(1, 5);
    est.dispose();
  });

  it('trains a CNN on wasm (with the added filter-gradient kernel) with logits output', async () => {
    const { x, y } = syntheticClasses(64, [8, 8, 1], 2, 2);
    const est = await TfjsEstimator.create({ spec: cnnSpec, seed: 5 });
    expect(est.trainingEngine()).toBe('wasm');
    const before = (await est.evaluate(x, y))['loss'] as number;
    await est.train(x, y, { epochs: 3, batchSize: 16, learningRate: 0.01, optimizer: 'adam', seed: 2 });
    const after = await est.evaluate(x, y);
    expect(after['loss']).toBeLessThan(before);
    est.dispose();
  });

  it('saves model.json + weights.bin and loads them back (path and file:// URL)', async () => {
    const { x } = syntheticClasses(10, [8, 8, 1], 2, 4);
    const est = await TfjsEstimator.create({ spec: cnnSpec, seed: 9 });
    const target = join(dir, 'cnn');
    const written = await est.save(target);
    expect(written).toBe(join(target, 'model.json'));
    const json = JSON.parse(await readFile(written, 'utf8')) as { weightsManifest: { paths: string[] }[]; userDefinedMetadata: { sednaModelSpec: unknown } };
    expect(json.weightsManifest[0]?.paths).toEqual(['weights.bin']);
    expect(json.userDefinedMetadata.sednaModelSpec).toEqual(cnnSpec);
    const loaded = await TfjsEstimator.create();
    await loaded.load(pathToFileURL(written).href);
    expect(loaded.spec.layers.length).toBe(cnnSpec.layers.length);
    const a = await est.predict(x);
    const b = await loaded.predict(x);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    est.dispose();
    loaded.dispose();
  });

  it('moves weights between estimators with getWeights/setWeights and checks their shapes', async () => {
    const a = await TfjsEstimator.create({ spec: mlpSpec, seed: 1 });
    const b = await TfjsEstimator.create({ spec: mlpSpec, seed: 2 });
    const w = a.getWeights();
    expect(w.map((t) => t.name)).toEqual(['dense_0/kernel', 'dense_0/bias', 'dense_2/kernel', 'dense_2/bias']);
    b.setWeights(w);
    const { x } = syntheticClasses(5, [12], 3);
    expect(Array.from((await b.predict(x)).data)).toEqual(Array.from((await a.predict(x)).data));
    expect(() => b.setWeights(w.slice(1))).toThrow(/4/);
    expect(() => b.setWeights([{ ...(w[0] as (typeof w)[0]), shape: [16, 12] }, ...w.slice(1)])).toThrow(/dense_0\/kernel needs \[12, 16\]/);
    a.dispose();
    b.dispose();
  });

  it('rejects bad input with errors naming the field', async () => {
    const est = await TfjsEstimator.create({ spec: mlpSpec });
    await expect(est.predict({ data: new Float32Array(10), shape: [1, 10] })).rejects.toThrow(/x.shape \[1, 10\].*\[12\]/);
    await expect(est.train({ data: new Float32Array(24), shape: [2, 12] }, [0, 7])).rejects.toThrow(/y\[1\] = 7/);
    await expect(est.train({ data: new Float32Array(24), shape: [2, 12] }, [0, 1], { batchSize: 0 })).rejects.toThrow(/options.batchSize/);
    await expect(TfjsEstimator.create({ spec: { inputShape: [8, 8, 1], layers: [{ type: 'dense', units: 2 }] } })).rejects.toThrow(/add a flatten layer/);
    await expect((await TfjsEstimator.create()).predict({ data: new Float32Array(0), shape: [0, 1] })).rejects.toThrow(/no model/);
    await expect(est.load('s3://bucket/model')).rejects.toThrow(/no S3 credentials/);
    await expect(est.load(join(dir, 'missing'))).rejects.toThrow(/cannot read model/);
    est.dispose();
  });

  it('loads a plain tfjs model (no spec metadata) into the tfjs and mlp estimators', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [6], units: 5, activation: 'tanh', name: 'hidden' }), tf.layers.dense({ units: 2, activation: 'softmax', name: 'out' })],
    });
    const target = join(dir, 'plain');
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      await writeModelArtifacts(artifacts, target);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const x = { data: Float32Array.from({ length: 12 }, (_, i) => i / 12), shape: [2, 6] };
    const want = (model.predict(tf.tensor(x.data, [2, 6])) as tf.Tensor).dataSync();
    const est = await TfjsEstimator.create();
    await est.load(target);
    expect(est.spec.layers.map((l) => l.name)).toEqual(['hidden', 'out']);
    const mlp = new MlpEstimator();
    await mlp.load(join(target, 'model.json'));
    for (const got of [await est.predict(x), await mlp.predict(x)]) {
      got.data.forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 5));
    }
    expect(mlp.getWeights().map((w) => w.name)).toEqual(['hidden/kernel', 'hidden/bias', 'out/kernel', 'out/bias']);
    est.dispose();
    model.dispose();
  });

  it('reads and writes remote model directories through the installed storage, file by file', async () => {
    const est = await TfjsEstimator.create({ spec: mlpSpec, seed: 8 });
    const source = join(dir, 'remote-src');
    await est.save(source);
    const calls: string[] = [];
    setRemoteModelStorage({
      download: async (src, dst) => {
        calls.push(`get ${src}`);
        await copyFile(join(source, src.slice(src.lastIndexOf('/') + 1)), dst);
      },
      upload: async (_src, dst) => {
        calls.push(`put ${dst}`);
      },
    });
    const loaded = await TfjsEstimator.create();
    await loaded.load('s3://models/mlp/');
    expect(await loaded.save('s3://models/out')).toBe('s3://models/out/model.json');
    expect(calls).toEqual(['get s3://models/mlp/model.json', 'get s3://models/mlp/weights.bin', 'put s3://models/out/weights.bin', 'put s3://models/out/model.json']);
    est.dispose();
    loaded.dispose();
  });
});
