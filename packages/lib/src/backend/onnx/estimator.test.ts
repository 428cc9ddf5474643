import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportToOnnx } from '../../onnx/export.js';
import { setRemoteModelStorage } from '../model-location.js';
import type { ModelSpec, WeightShape } from '../model-spec.js';
import { weightShapes } from '../model-spec.js';
import { OnnxEstimator } from './estimator.js';

/** A linear model with known weights: output = x · K + b, so results can be checked by hand. */
const spec: ModelSpec = { inputShape: [3], layers: [{ type: 'dense', units: 2 }] };
const kernel = Float32Array.from([1, 0, 0, 1, 1, 1]); // [3, 2]
const bias = Float32Array.from([0.5, -0.5]);
const weights = weightShapes(spec).map((w: WeightShape, i) => ({ ...w, data: i === 0 ? kernel : bias }));

let dir: string;
let modelPath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'onnx-est-'));
  modelPath = join(dir, 'linear.onnx');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(modelPath, exportToOnnx({ spec, weights }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => setRemoteModelStorage(undefined));

describe('OnnxEstimator', () => {
  it('predicts in batches, across a partial last batch', async () => {
    const est = new OnnxEstimator({ batchSize: 2, intraOpNumThreads: 1 });
    await est.load(modelPath);
    expect(est.signature).toEqual({ inputs: ['input'], outputs: ['output'] });
    const x = { data: Float32Array.from([1, 2, 3, 0, 0, 0, -1, 1, 2]), shape: [3, 3] };
    const out = await est.predict(x);
    expect(out.shape).toEqual([3, 2]);
    expect(Array.from(out.data)).toEqual([4.5, 4.5, 0.5, -0.5, 1.5, 2.5]);
    const metrics = await est.evaluate(x, [0, 1, 1]); // argmaxes are 0, 0, 1
    expect(metrics['accuracy']).toBeCloseTo(2 / 3);
    est.dispose();
  });

  it('is inference-only and says so', async () => {
    const est = new OnnxEstimator();
    await expect(est.train()).rejects.toThrow(/inference-only/);
    await est.load(`file://${modelPath}`);
    expect(() => est.getWeights()).toThrow(/not implemented/);
    expect(() => est.setWeights()).toThrow(/not implemented/);
    est.dispose();
  });

  it('saves a copy of the loaded model', async () => {
    const est = new OnnxEstimator();
    await est.load(modelPath);
    const target = join(dir, 'copy', 'm.onnx');
    expect(await est.save(target)).toBe(target);
    expect(Buffer.compare(await readFile(target), await readFile(modelPath))).toBe(0);
    est.dispose();
  });

  it('loads and saves remote URLs through the storage module (the lib\'s own by default, or the installed one)', async () => {
    const est = new OnnxEstimator();
    await expect(est.load('s3://models/linear.onnx')).rejects.toThrow(/no S3 credentials/);
    const calls: string[] = [];
    setRemoteModelStorage({
      download: async (src, dst) => {
        calls.push(`download ${src}`);
        await copyFile(modelPath, dst);
      },
      upload: async (src, dst) => {
        calls.push(`upload ${dst}`);
        await copyFile(src, join(dir, 'uploaded.onnx'));
      },
    });
    await est.load('http://127.0.0.1:1/models/linear.onnx');
    expect(await est.save('s3://models/out.onnx')).toBe('s3://models/out.onnx');
    expect(calls).toEqual(['download http://127.0.0.1:1/models/linear.onnx', 'upload s3://models/out.onnx']);
    expect((await readFile(join(dir, 'uploaded.onnx'))).length).toBeGreaterThan(0);
    est.dispose();
  });

  it('reports unreadable and invalid models, and unknown input names', async () => {
    const est = new OnnxEstimator();
    await expect(est.load(join(dir, 'missing.onnx'))).rejects.toThrow(/cannot read ONNX model/);
    await expect(est.loadBytes(new Uint8Array([1, 2, 3]), 'junk.onnx')).rejects.toThrow(/ONNX Runtime cannot open junk.onnx/);
    await expect(new OnnxEstimator({ inputName: 'pixels' }).load(modelPath)).rejects.toThrow(/no input "pixels"/);
    await expect(est.predict({ data: new Float32Array(3), shape: [1, 3] })).rejects.toThrow(/call load/);
    expect(() => new OnnxEstimator({ batchSize: 0 })).toThrow(/batchSize/);
  });
});
