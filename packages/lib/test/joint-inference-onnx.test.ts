/**
 * Joint inference with real ONNX models: two tiny networks trained by nothing (seeded weights) are exported with the
 * lib's exporter, loaded by the ONNX estimator on both sides, and compared with the networks they came from.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlpEstimator } from '../src/backend/mlp/estimator.js';
import type { ModelSpec } from '../src/backend/model-spec.js';
import { OnnxEstimator } from '../src/backend/onnx/estimator.js';
import type { Tensor } from '../src/core/estimator.js';
import { BigModelClient, BigModelService, JointInference } from '../src/core/joint_inference/index.js';
import { saveOnnx } from '../src/onnx/export.js';
import { FakeLC } from './helpers/fake-lc.js';

const LITTLE: ModelSpec = { inputShape: [6], layers: [{ type: 'dense', units: 3, activation: 'softmax' }] };
const BIG: ModelSpec = { inputShape: [6], layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 3, activation: 'softmax' }] };

let dir: string;
let little: MlpEstimator;
let big: MlpEstimator;
let service: BigModelService;
let port: number;
let lc: FakeLC;

const samples: Tensor = { data: Float32Array.from({ length: 5 * 6 }, (_, i) => Math.sin(i * 0.7)), shape: [5, 6] };
const sample = (i: number): Tensor => ({ data: samples.data.slice(i * 6, (i + 1) * 6), shape: [1, 6] });

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 5));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ji-onnx-'));
  little = new MlpEstimator({ spec: LITTLE, seed: 1 });
  big = new MlpEstimator({ spec: BIG, seed: 2 });
  await saveOnnx(little, join(dir, 'little.onnx'));
  await saveOnnx(big, join(dir, 'big.onnx'));
  service = new BigModelService({ estimator: new OnnxEstimator(), env: { MODEL_URL: join(dir, 'big.onnx'), BIG_MODEL_BIND_IP: '127.0.0.1', BIG_MODEL_BIND_PORT: '0' }, log: () => undefined });
  port = (await service.start()).port;
  lc = new FakeLC();
  await lc.start();
});

afterAll(async () => {
  await service?.stop();
  await lc?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('joint inference with exported ONNX models', () => {
  it('serves the big model: the answers match the network it was exported from, and other shapes get 400', async () => {
    const client = new BigModelClient({ host: '127.0.0.1', port, jobName: 'sedna' });
    const info = (await client.info()) as { service: { sampleShape: number[] } };
    expect(info.service.sampleShape).toEqual([6]);
    const out = await client.predict(samples);
    expectClose(out.data, (await big.predict(samples)).data);
    await expect(client.predict({ data: new Float32Array(5), shape: [1, 5] })).rejects.toThrow(/HTTP 400: wrong shape/);
    client.close();
  });

  it('answers through JointInference with the little model on the edge and the big one in the cloud', async () => {
    const env = { MODEL_URL: join(dir, 'little.onnx'), BIG_MODEL_IP: '127.0.0.1', BIG_MODEL_PORT: String(port), LC_SERVER: lc.url, WORKER_NAME: 'edge-1' };
    const everything = await JointInference.create({ estimator: new OnnxEstimator(), env: { ...env, HEM_NAME: 'CloudOnly' }, log: () => undefined });
    const nothing = await JointInference.create({ estimator: new OnnxEstimator(), env: { ...env, HEM_NAME: 'EdgeOnly' }, log: () => undefined });
    try {
      for (let i = 0; i < 5; i++) {
        const [hard, result, edgeResult] = await everything.inference(sample(i));
        expect(hard).toBe(true);
        expectClose(result.data, (await big.predict(sample(i))).data);
        expectClose((edgeResult as Tensor).data, (await little.predict(sample(i))).data);
        const [easy, edgeAnswer] = await nothing.inference(sample(i));
        expect(easy).toBe(false);
        expectClose(edgeAnswer.data, (await little.predict(sample(i))).data);
      }
      expect(everything.stats).toMatchObject({ inferences: 5, hardExamples: 5, cloudAnswers: 5 });
    } finally {
      await everything.close();
      await nothing.close();
    }
  });
});
