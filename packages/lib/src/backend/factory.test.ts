import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveOnnx } from '../onnx/export.js';
import { createEstimator } from './factory.js';
import { MlpEstimator } from './mlp/estimator.js';
import type { ModelSpec } from './model-spec.js';
import { OnnxEstimator } from './onnx/estimator.js';
import { TfjsEstimator } from './tfjs/estimator.js';

const spec: ModelSpec = { inputShape: [4], layers: [{ type: 'dense', units: 3, activation: 'softmax' }] };

describe('createEstimator', () => {
  it('follows BACKEND_TYPE', async () => {
    const tfjs = await createEstimator({ spec, env: {} });
    expect(tfjs.estimator).toBeInstanceOf(TfjsEstimator);
    const mlp = await createEstimator({ spec, env: { BACKEND_TYPE: 'mlp' } });
    expect(mlp.estimator).toBeInstanceOf(MlpEstimator);
    const dir = await mkdtemp(join(tmpdir(), 'factory-'));
    try {
      const url = await saveOnnx(mlp.estimator as MlpEstimator, join(dir, 'm.onnx'));
      const onnx = await createEstimator({ modelUrl: url, env: { BACKEND_TYPE: 'ONNX' } });
      expect(onnx.estimator).toBeInstanceOf(OnnxEstimator);
      expect((await onnx.estimator.predict({ data: new Float32Array(8), shape: [2, 4] })).shape).toEqual([2, 3]);
      onnx.estimator.dispose?.();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    tfjs.estimator.dispose?.();
  });

  it('explains what cannot be built', async () => {
    await expect(createEstimator({ spec, env: { BACKEND_TYPE: 'ONNX' } })).rejects.toThrow(/pass modelUrl, not a spec/);
    await expect(createEstimator({ env: { BACKEND_TYPE: 'ONNX' } })).rejects.toThrow(/needs modelUrl/);
    await expect(createEstimator({ spec, env: { DEVICE_CATEGORY: 'GPU' } })).rejects.toThrow(/no GPU/);
  });
});
