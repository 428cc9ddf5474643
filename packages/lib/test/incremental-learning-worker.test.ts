import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { MlpEstimator } from '../src/backend/mlp/estimator.js';
import type { ModelSpec } from '../src/backend/model-spec.js';
import { OnnxEstimator } from '../src/backend/onnx/estimator.js';
import { HardExampleWriter, IncrementalLearning, evaluateClassifier, onnxSaver } from '../src/core/incremental_learning/index.js';
import { decodePgm } from '../src/datasources/image-files.js';
import { loadFashionMnist, type FashionMnistSlice } from '../src/datasources/fashion-mnist.js';
import { FakeLC } from './helpers/fake-lc.js';
import { waitFor } from './helpers/wait.js';

const SPEC: ModelSpec = { inputShape: [784], layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10 }] };

/** An mlp estimator that records which models it loaded. */
class RecordingMlp extends MlpEstimator {
  readonly loaded: string[] = [];
  override async load(url: string): Promise<void> {
    this.loaded.push(url);
    await super.load(url);
  }
}

describe('IncrementalLearning workers on Fashion-MNIST slices', () => {
  let dir: string;
  let lc: FakeLC;
  let train: FashionMnistSlice;
  let test: FashionMnistSlice;
  let baseModel: string;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    train = await loadFashionMnist({ split: 'train', count: 1200 });
    test = await loadFashionMnist({ split: 'test', count: 300 });
  });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sedna-il-lib-'));
    lc = new FakeLC();
    await lc.start();
    const base = new MlpEstimator({ spec: SPEC, seed: 1 });
    await base.train(train.x, train.y, { epochs: 3, batchSize: 32, seed: 1 });
    baseModel = await base.save(path.join(dir, 'base'));
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await lc.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string>) => ({ JOB_NAME: 'fm-il', NAMESPACE: 'default', LC_SERVER: lc.url, ...extra });

  it('trains from BASE_MODEL_URL, saves to MODEL_URL in two formats and reports train completed', async () => {
    const estimator = new RecordingMlp();
    const il = new IncrementalLearning({ estimator, env: env({ WORKER_NAME: 'train-worker-a1b2c', BASE_MODEL_URL: baseModel, MODEL_URL: path.join(dir, 'output', 'train', '1'), DATA_PATH_PREFIX: dir }), log: () => undefined });
    const { results, metrics } = await il.train(train, { trainOptions: { epochs: 1, batchSize: 64, seed: 2 }, validation: test, alsoSave: [onnxSaver()] });

    expect(estimator.loaded).toEqual([baseModel]);
    expect(metrics.samples).toBe(1200);
    expect(existsSync(path.join(dir, 'output', 'train', '1', 'model.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'output', 'train', '1', 'model.onnx'))).toBe(true);
    // DATA_PATH_PREFIX is taken off the urls, as model_info does
    expect(results.map((r) => [r.format, r.url])).toEqual([
      ['tfjs', '/output/train/1/model.json'],
      ['onnx', '/output/train/1/model.onnx'],
    ]);
    expect(results[0]?.metrics).toMatchObject({ samples: 1200, epochs: 1 });
    expect(results[0]?.metrics?.val_accuracy).toBeGreaterThan(0.5);
    expect(lc.received).toHaveLength(1);
    expect(lc.received[0]?.body).toMatchObject({ name: 'train-worker-a1b2c', namespace: 'default', ownerName: 'fm-il', ownerKind: 'incrementallearningjob', kind: 'train', status: 'completed' });
    expect((lc.received[0]?.body.results as unknown[]).length).toBe(2);
  });

  it('reports train failed, then throws, when the round has nowhere to save', async () => {
    const il = new IncrementalLearning({ estimator: new MlpEstimator({ spec: SPEC, seed: 1 }), env: env({ WORKER_NAME: 'train-worker-x' }), log: () => undefined });
    await expect(il.train(test, { trainOptions: { epochs: 1 } })).rejects.toThrow(/MODEL_URL is not set/);
    expect(lc.received.map((r) => [r.body.kind, r.body.status])).toEqual([['train', 'failed']]);
  });

  it('evaluates every model of MODEL_URLS in order and reports eval completed with one result each', async () => {
    const better = new MlpEstimator({ spec: SPEC, seed: 1 });
    await better.load(baseModel);
    await better.train(train.x, train.y, { epochs: 3, batchSize: 32, seed: 3 });
    const betterOnnx = await onnxSaver()(better, path.join(dir, 'better'));
    const baseOnnx = await onnxSaver()(await loaded(baseModel), path.join(dir, 'base'));

    const il = new IncrementalLearning({ estimator: new OnnxEstimator(), env: env({ WORKER_NAME: 'eval-worker-q', MODEL_URLS: `${betterOnnx};${baseOnnx}` }), log: () => undefined });
    const results = await il.evaluate(test, { metrics: (estimator, data) => evaluateClassifier(estimator, data.x, data.y) });
    expect(results.map((r) => [r.format, r.url])).toEqual([
      ['onnx', betterOnnx],
      ['onnx', baseOnnx],
    ]);
    const [fresh, old] = results.map((r) => r.metrics as { accuracy: number; precision: number[]; recall: number[] });
    expect(fresh?.precision).toHaveLength(10);
    expect(fresh?.recall).toHaveLength(10);
    expect(fresh?.accuracy).toBeGreaterThan(old?.accuracy ?? 1);
    expect(lc.received.map((r) => [r.body.kind, r.body.status, (r.body.results as unknown[]).length])).toEqual([['eval', 'completed', 2]]);
  });

  it('marks hard examples with the job\'s mining and saves them to HE_SAVED_URL', async () => {
    const heDir = path.join(dir, 'he');
    const il = new IncrementalLearning({
      estimator: new MlpEstimator(),
      env: env({ WORKER_NAME: 'inferworker-z', MODEL_URL: baseModel, HEM_NAME: 'CrossEntropy', HEM_PARAMETERS: '[{"key":"threshold_cross_entropy","value":"0.5"}]', HE_SAVED_URL: heDir }),
      log: () => undefined,
    });
    closers.push(() => il.close());
    const n = 60;
    const x = { data: test.x.data.subarray(0, n * 784), shape: [n, 784] };
    const ids = Array.from({ length: n }, (_, i) => `frame${i}`);
    const out = await il.inference(x, { ids });
    expect(out.inferResult.shape).toEqual([n, 10]);
    const hard = out.hardExamples.filter(Boolean).length;
    expect(hard).toBeGreaterThan(0);
    expect(hard).toBeLessThan(n); // a small model is sure of some samples, not of others
    expect(out.isHardExample).toBe(true);
    const index = (await readFile(path.join(heDir, 'index.txt'), 'utf8')).trim().split('\n');
    expect(index).toHaveLength(hard);
    const first = out.hardExamples.indexOf(true);
    expect(index[0]).toMatch(new RegExp(`^he-frame${first}\\.pgm [0-9]$`));
    const image = decodePgm(await readFile(path.join(heDir, `he-frame${first}.pgm`)));
    expect([image.width, image.height]).toEqual([28, 28]);
    expect(image.pixels[300]).toBe(test.pixels[first * 784 + 300]);
    expect(il.identity).toEqual({ name: 'inferworker-z', namespace: 'default', ownerName: 'fm-il', ownerKind: 'incrementallearningjob' });
  });

  it('serves a new model the LC publishes (MODEL_HOT_UPDATE) and reports deploy completed', async () => {
    const hotDir = path.join(dir, 'hot');
    await mkdir(hotDir);
    const config = path.join(hotDir, 'model_config.json');
    const il = new IncrementalLearning({
      estimator: new MlpEstimator(),
      createEstimator: () => new MlpEstimator(),
      hardExamples: false,
      env: env({ WORKER_NAME: 'inferworker-h', MODEL_URL: baseModel, MODEL_HOT_UPDATE: 'true', MODEL_HOT_UPDATE_CONFIG: config, MODEL_POLL_PERIOD_SECONDS: '1' }),
      log: () => undefined,
    });
    closers.push(() => il.close());
    const x = { data: test.x.data.subarray(0, 784), shape: [1, 784] };
    const before = await il.inference(x);
    expect(before.modelVersion).toBeUndefined();

    // What the LC does: the model under the config's folder, the config naming it under /model-hot-update.
    const fresh = new MlpEstimator({ spec: SPEC, seed: 99 });
    await fresh.save(path.join(hotDir, 'models', 'v1'));
    const tmp = `${config}.tmp`;
    await writeFile(tmp, JSON.stringify({ model_config: { model_path: '/model-hot-update/models/v1/model.json', model_update_time: '2026-01-01T00:00:00.000Z' } }));
    await rename(tmp, config);

    await waitFor('the new model to serve', () => il.servingVersion === '2026-01-01T00:00:00.000Z');
    const after = await il.inference(x);
    expect(after.modelVersion).toBe('2026-01-01T00:00:00.000Z');
    expect(Array.from(after.inferResult.data)).toEqual(Array.from((await fresh.predict(x)).data));
    await waitFor('the deploy report', () => lc.received.find((r) => r.body.kind === 'deploy'));
    expect(lc.received.find((r) => r.body.kind === 'deploy')?.body).toMatchObject({ status: 'completed', ownerKind: 'incrementallearningjob', name: 'inferworker-h' });
  });

  it('needs createEstimator for hot update, and names the hard example folder it writes', async () => {
    expect(() => new IncrementalLearning({ estimator: new MlpEstimator(), env: env({ MODEL_HOT_UPDATE: 'true', MODEL_HOT_UPDATE_CONFIG: '/x/model_config.json' }) })).toThrow(/needs createEstimator/);
    const writer = new HardExampleWriter({ dir: `file://${dir}/he2` });
    const file = await writer.save({ input: { data: new Float32Array([0.5, 2, 3]), shape: [1, 3] }, output: { data: new Float32Array([0.1, 0.9]), shape: [1, 2] } });
    expect(file).toBe(path.join(dir, 'he2', 'he-000000.json'));
    expect(await readdir(path.join(dir, 'he2'))).toEqual(['he-000000.json', 'index.txt']);
    expect(await readFile(path.join(dir, 'he2', 'index.txt'), 'utf8')).toBe('he-000000.json 1\n');
  });
});

async function loaded(url: string): Promise<MlpEstimator> {
  const estimator = new MlpEstimator();
  await estimator.load(url);
  return estimator;
}
