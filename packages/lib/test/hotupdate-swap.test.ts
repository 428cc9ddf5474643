import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Estimator, Metrics, Tensor, WeightTensor } from '../src/core/estimator.js';
import { ModelHotUpdater, SwappableModel, hotUpdateSettingsFromEnv, pollPeriodSeconds, resolveModelPath, type HotUpdateEvent } from '../src/hotupdate/index.js';
import { LCClient, type WorkerIdentity } from '../src/reporter/index.js';
import { Storage } from '../src/storage/index.js';
import { FakeLC } from './helpers/fake-lc.js';
import { waitFor } from './helpers/wait.js';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A stand-in model: its "weights" are the version number in the model file. Loading takes a while;
 * predicting before the load finished or after dispose throws, so a half-loaded or dropped model
 * would show up as a failed request.
 */
class VersionEstimator implements Estimator {
  version: number | undefined;
  loading = false;
  disposed = false;
  inFlight = 0;

  async load(url: string): Promise<void> {
    this.loading = true;
    await pause(15);
    const text = (await readFile(url, 'utf8')).trim();
    if (!/^\d+$/.test(text)) throw new Error(`${url} is not a version model`);
    this.version = Number(text);
    this.loading = false;
  }

  async predict(x: Tensor): Promise<Tensor> {
    if (this.disposed) throw new Error('predict on a disposed model');
    if (this.loading || this.version === undefined) throw new Error('predict on a model that is not loaded');
    this.inFlight++;
    await pause(1 + Math.floor(Math.random() * 3));
    this.inFlight--;
    if (this.disposed) throw new Error('model disposed during predict');
    return { data: Float32Array.from({ length: x.shape[0] ?? 1 }, () => this.version ?? -1), shape: [x.shape[0] ?? 1, 1] };
  }

  dispose(): void {
    if (this.inFlight > 0) throw new Error(`disposed with ${this.inFlight} requests in flight`);
    this.disposed = true;
  }

  train(): Promise<Metrics> {
    throw new Error('VersionEstimator does not train');
  }
  evaluate(): Promise<Metrics> {
    throw new Error('VersionEstimator does not evaluate');
  }
  save(): Promise<string> {
    throw new Error('VersionEstimator does not save');
  }
  getWeights(): WeightTensor[] {
    throw new Error('VersionEstimator has no weights');
  }
  setWeights(): void {
    throw new Error('VersionEstimator has no weights');
  }
}

const identity: WorkerIdentity = { name: 'il-infer-0', namespace: 'default', ownerName: 'helmet-il', ownerKind: 'incrementallearningjob' };
const input: Tensor = { data: new Float32Array(4), shape: [1, 4] };

/** Writes the config the way an LC should: to a temp file, then renamed over the old one. */
async function writeConfig(dir: string, modelPath: string, updateTime: string): Promise<void> {
  const tmp = path.join(dir, '.model_config.json.tmp');
  await writeFile(tmp, JSON.stringify({ model_config: { model_path: modelPath, model_update_time: updateTime } }));
  await rename(tmp, path.join(dir, 'model_config.json'));
}

/** Steady concurrent load: `workers` loops each sending one request after the other. */
function startLoad(model: SwappableModel<VersionEstimator>, workers: number) {
  const results: { startedAfterSwaps: number; version: number }[] = [];
  const errors: unknown[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const startedAfterSwaps = model.swapCount;
      try {
        const out = await model.predict(input);
        results.push({ startedAfterSwaps, version: out.data[0] ?? -1 });
      } catch (err) {
        errors.push(err);
      }
    }
  });
  return {
    results,
    errors,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('model hot update', () => {
  let dir: string;
  let lc: FakeLC;
  let updater: ModelHotUpdater<VersionEstimator> | undefined;
  const storage = new Storage({ env: {} });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sedna-hotupdate-'));
    lc = new FakeLC();
    await lc.start();
  });
  afterEach(async () => {
    await updater?.stop();
    updater = undefined;
    await lc.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function serving(version: number): Promise<SwappableModel<VersionEstimator>> {
    await writeFile(path.join(dir, `model-v${version}.txt`), String(version));
    await writeConfig(dir, `model-v${version}.txt`, `t${version}`);
    const initial = new VersionEstimator();
    await initial.load(path.join(dir, `model-v${version}.txt`));
    return new SwappableModel(initial, `t${version}`);
  }

  it('swaps live under steady concurrent load with zero failed requests', async () => {
    const model = await serving(1);
    const first = model.estimator;
    const events: HotUpdateEvent[] = [];
    updater = new ModelHotUpdater({
      configUrl: path.join(dir, 'model_config.json'),
      model,
      createEstimator: () => new VersionEstimator(),
      pollPeriodMs: 60_000, // the file watch must do it
      storage,
      lc: { client: new LCClient({ lcServer: lc.url }), identity },
      onEvent: (e) => events.push(e),
    });
    updater.start();
    const load = startLoad(model, 8);
    await waitFor('requests on the first model', () => load.results.length >= 100);

    await writeFile(path.join(dir, 'model-v2.txt'), '2');
    await writeConfig(dir, '/model-hot-update/model-v2.txt', 't2'); // the container path, mapped to this folder
    await waitFor('the swap', () => model.version === 't2');
    const atSwap = load.results.length;
    await waitFor('requests on the new model', () => load.results.length >= atSwap + 200);
    await load.stop();

    expect(load.errors).toEqual([]);
    expect(new Set(load.results.map((r) => r.version))).toEqual(new Set([1, 2]));
    // Requests that started after the swap all ran on the new model.
    expect(load.results.filter((r) => r.startedAfterSwaps >= 1).every((r) => r.version === 2)).toBe(true);
    // The old model was disposed once its last request finished, never under one.
    await waitFor('the old model disposed', () => first.disposed);
    expect(events.filter((e) => e.type === 'updated')).toEqual([{ type: 'updated', version: 't2', modelPath: path.join(dir, 'model-v2.txt') }]);
    await waitFor('the deploy report', () => lc.received.length >= 1);
    expect(lc.received[0]?.body).toEqual({ ...identity, kind: 'deploy', status: 'completed' });
  });

  it('keeps the old model serving when a load fails, and reports the failure once', async () => {
    const model = await serving(1);
    const events: HotUpdateEvent[] = [];
    updater = new ModelHotUpdater({
      configUrl: path.join(dir, 'model_config.json'),
      model,
      createEstimator: () => new VersionEstimator(),
      watch: false,
      pollPeriodMs: 60_000,
      storage,
      lc: { client: new LCClient({ lcServer: lc.url }), identity },
      onEvent: (e) => events.push(e),
    });
    updater.start();
    const load = startLoad(model, 4);

    await writeFile(path.join(dir, 'model-v3.txt'), 'corrupt model');
    await writeConfig(dir, 'model-v3.txt', 't3');
    expect(await updater.checkNow()).toBe('failed');
    expect(await updater.checkNow()).toBe('failed');
    await waitFor('requests after the failed load', () => load.results.length >= 100);
    await load.stop();

    expect(load.errors).toEqual([]);
    expect(load.results.every((r) => r.version === 1)).toBe(true);
    expect(model.version).toBe('t1');
    expect(events.filter((e) => e.type === 'load-failed')).toHaveLength(2);
    expect(lc.received.map((r) => r.body.status)).toEqual(['failed']);

    // A later good version still gets in.
    await writeFile(path.join(dir, 'model-v4.txt'), '4');
    await writeConfig(dir, 'model-v4.txt', 't4');
    expect(await updater.checkNow()).toBe('updated');
    expect((await model.predict(input)).data[0]).toBe(4);
    expect(lc.received.map((r) => r.body.status)).toEqual(['failed', 'completed']);
  });

  it('prepares a new model before it serves; a model that fails to prepare is a failed load', async () => {
    const model = await serving(1);
    const prepared: number[] = [];
    updater = new ModelHotUpdater({
      configUrl: path.join(dir, 'model_config.json'),
      model,
      createEstimator: () => new VersionEstimator(),
      // Runs on the loaded model while the old one still serves: it must not be serving yet.
      prepare: async (fresh) => {
        expect(model.estimator).not.toBe(fresh);
        if (fresh.version === 7) throw new Error('cannot warm version 7');
        prepared.push((await fresh.predict(input)).data[0] as number);
      },
      watch: false,
      pollPeriodMs: 60_000,
      storage,
      onEvent: () => undefined,
      checkOnStart: false,
    });
    updater.start();
    await writeFile(path.join(dir, 'model-v6.txt'), '6');
    await writeConfig(dir, 'model-v6.txt', 't6');
    expect(await updater.checkNow()).toBe('updated');
    expect(prepared).toEqual([6]);
    await writeFile(path.join(dir, 'model-v7.txt'), '7');
    await writeConfig(dir, 'model-v7.txt', 't7');
    expect(await updater.checkNow()).toBe('failed');
    expect(model.version).toBe('t6');
  });

  it('falls back to polling when watching is off', async () => {
    const model = await serving(1);
    updater = new ModelHotUpdater({
      configUrl: path.join(dir, 'model_config.json'),
      model,
      createEstimator: () => new VersionEstimator(),
      watch: false,
      pollPeriodMs: 20,
      storage,
      onEvent: () => undefined,
    });
    updater.start();
    await writeFile(path.join(dir, 'model-v5.txt'), '5');
    await writeConfig(dir, 'model-v5.txt', 't5');
    await waitFor('the poll to pick up the new model', () => model.version === 't5');
    expect((await model.predict(input)).data[0]).toBe(5);
  });

  it('waits quietly for a config that does not exist yet, and reports a broken one', async () => {
    const initial = new VersionEstimator();
    await writeFile(path.join(dir, 'm.txt'), '7');
    await initial.load(path.join(dir, 'm.txt'));
    const model = new SwappableModel(initial);
    const events: HotUpdateEvent[] = [];
    updater = new ModelHotUpdater({
      configUrl: path.join(dir, 'later', 'model_config.json'),
      model,
      createEstimator: () => new VersionEstimator(),
      pollPeriodMs: 60_000,
      storage,
      onEvent: (e) => events.push(e),
    });
    updater.start();
    expect(await updater.checkNow()).toBe('no-config');
    await writeFile(path.join(dir, 'bad.json'), '{"model_config": {"model_path": ""}}');
    const broken = new ModelHotUpdater({ configUrl: path.join(dir, 'bad.json'), model, createEstimator: () => new VersionEstimator(), storage, onEvent: (e) => events.push(e), checkOnStart: false });
    broken.start();
    expect(await broken.checkNow()).toBe('config-error');
    await broken.stop();
    expect(String((events.find((e) => e.type === 'config-error') as { error: unknown }).error)).toMatch(/bad\.json: model_config\.model_path must be a non-empty string/);
    expect(events.filter((e) => e.type === 'config-error')).toHaveLength(1);
  });

  it('reads its settings from the environment as the original', () => {
    expect(hotUpdateSettingsFromEnv({})).toEqual({ enabled: false });
    expect(hotUpdateSettingsFromEnv({ MODEL_HOT_UPDATE: 'True', MODEL_HOT_UPDATE_CONFIG: '/c.json', MODEL_POLL_PERIOD_SECONDS: '5' })).toEqual({
      enabled: true,
      configUrl: '/c.json',
      pollPeriodSeconds: 5,
    });
    expect(() => hotUpdateSettingsFromEnv({ MODEL_HOT_UPDATE: 'true' })).toThrow(/MODEL_HOT_UPDATE_CONFIG is not set/);
    expect(pollPeriodSeconds('0')).toBe(60);
    expect(pollPeriodSeconds('0.5')).toBe(60);
    expect(pollPeriodSeconds('soon')).toBe(60);
    expect(pollPeriodSeconds(undefined)).toBe(60);
    expect(resolveModelPath('/model-hot-update/m.onnx', '/model-hot-update/model_config.json', () => false)).toBe('/model-hot-update/m.onnx');
    expect(resolveModelPath('s3://b/m.onnx', '/x/model_config.json', () => false)).toBe('s3://b/m.onnx');
  });
});
