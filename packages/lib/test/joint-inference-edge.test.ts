/**
 * JointInference (edge) against a real BigModelService (cloud) and a stand-in LC, over HTTP on 127.0.0.1: both
 * mining modes, the fallback to the edge result when the cloud is down, answers 500 or does not answer, the JSON
 * client form, and the LC reports.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Env } from '../src/common/config.js';
import type { Estimator, Tensor } from '../src/core/estimator.js';
import { BigModelService, CloudInferenceError, JointInference, type JointInferenceOptions } from '../src/core/joint_inference/index.js';
import { FakeLC } from './helpers/fake-lc.js';
import { waitFor } from './helpers/wait.js';

/** A classifier of two classes whose answer for sample [c, ...] is `rowOf(c)`; counts its calls. */
function fakeClassifier(rowOf: (c: number) => [number, number]): Estimator & { calls: number } {
  const notUsed = (): never => {
    throw new Error('not used in this test');
  };
  const model = {
    calls: 0,
    async predict(x: Tensor): Promise<Tensor> {
      model.calls++;
      const n = x.shape[0] as number;
      const width = x.data.length / n;
      const out = new Float32Array(2 * n);
      for (let i = 0; i < n; i++) out.set(rowOf(x.data[i * width] as number), 2 * i);
      return { data: out, shape: [n, 2] };
    },
    train: notUsed,
    evaluate: notUsed,
    load: async () => undefined,
    save: notUsed,
    getWeights: notUsed,
    setWeights: notUsed,
  };
  return model;
}

/** The little model is as sure as the sample's first value says: [c, 1 - c]. */
const littleModel = (): ReturnType<typeof fakeClassifier> => fakeClassifier((c) => [c, 1 - c]);
/** The big model always says class 1, confidently. */
const bigModel = (): ReturnType<typeof fakeClassifier> => fakeClassifier(() => [0.05, 0.95]);

const EASY: Tensor = { data: Float32Array.from([0.99, 0.01]), shape: [1, 2] };
const HARD: Tensor = { data: Float32Array.from([0.5, 0.5]), shape: [1, 2] };
const HEM_ENV = { HEM_NAME: 'CrossEntropy', HEM_PARAMETERS: JSON.stringify([{ key: 'threshold_cross_entropy', value: '0.5' }]) };

const rows = (t: Tensor | null): number[] | null => (t === null ? null : Array.from(t.data, (v) => Math.round(v * 100) / 100));

let cloud: BigModelService | undefined;
let cloudPort = 0;
let lc: FakeLC;
const closers: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  cloud = new BigModelService({ estimator: bigModel(), env: {}, modelUrl: false, host: '127.0.0.1', port: 0, log: () => undefined });
  cloudPort = (await cloud.start()).port;
  lc = new FakeLC();
  await lc.start();
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await cloud?.stop();
  await lc.stop();
});

function edgeEnv(extra: Env = {}): Env {
  return {
    BIG_MODEL_IP: '127.0.0.1',
    BIG_MODEL_PORT: String(cloudPort),
    LC_SERVER: lc.url,
    WORKER_NAME: 'edgeworker-abcde',
    NAMESPACE: 'default',
    JOB_NAME: 'sedna',
    LC_PERIOD: '1',
    ...HEM_ENV,
    ...extra,
  };
}

async function edge(options: Partial<JointInferenceOptions> & { env: Env }): Promise<{ ji: JointInference; logs: string[]; model: ReturnType<typeof littleModel> }> {
  const model = littleModel();
  const logs: string[] = [];
  const ji = await JointInference.create({ estimator: model, modelUrl: false, log: (l) => logs.push(l), ...options });
  closers.push(() => ji.close());
  return { ji, logs, model };
}

describe('JointInference, inference-then-mining (the default)', () => {
  it('answers easy samples on the edge and hard ones from the cloud, in the original return shape', async () => {
    const { ji } = await edge({ env: edgeEnv() });
    expect(ji.settings).toMatchObject({ jobName: 'sedna', miningMode: 'inference-then-mining', hardExampleMining: 'CrossEntropy' });

    const [easyHard, easyResult, easyEdge, easyCloud] = await ji.inference(EASY);
    expect(easyHard).toBe(false);
    expect(rows(easyResult)).toEqual([0.99, 0.01]);
    expect(rows(easyEdge)).toEqual([0.99, 0.01]);
    expect(easyCloud).toBeNull();

    const [hard, result, edgeResult, cloudResult] = await ji.inference(HARD);
    expect(hard).toBe(true);
    expect(rows(result)).toEqual([0.05, 0.95]);
    expect(rows(edgeResult)).toEqual([0.5, 0.5]);
    expect(rows(cloudResult)).toEqual([0.05, 0.95]);
    expect(ji.stats).toMatchObject({ inferences: 2, hardExamples: 1, cloudAnswers: 1, cloudFailures: 0 });
  });

  it('reports to the LC every LC_PERIOD with the original ownerInfo, counting each sample once', async () => {
    const { ji } = await edge({ env: edgeEnv() });
    await ji.inference(EASY);
    await ji.inference(HARD);
    await ji.inference(HARD);
    const report = await waitFor('a report from the edge worker', () => lc.received.at(-1));
    expect(report.worker).toBe('edgeworker-abcde');
    expect(report.body).toMatchObject({
      name: 'edgeworker-abcde',
      namespace: 'default',
      ownerName: 'sedna',
      ownerKind: 'jointinferenceservice',
      kind: 'inference',
      results: [],
    });
    const info = report.body['ownerInfo'] as Record<string, unknown>;
    expect(info).toMatchObject({ inferenceNumber: 3, hardExampleNumber: 2, uploadCloudRatio: 2 / 3 });
    expect(info['startTime']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(info['updateTime']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('reports under JOB_NAME when the control plane sets it, and works with the JSON form of the original', async () => {
    const service = new BigModelService({ estimator: bigModel(), env: { JOB_NAME: 'helmet' }, modelUrl: false, host: '127.0.0.1', port: 0, log: () => undefined });
    const { port } = await service.start();
    closers.push(() => service.stop());
    const { ji } = await edge({ env: edgeEnv({ JOB_NAME: 'helmet', BIG_MODEL_PORT: String(port) }), cloudFormat: 'json' });
    const [hard, result] = await ji.inference(HARD);
    expect(hard).toBe(true);
    expect(rows(result)).toEqual([0.05, 0.95]);
    expect(service.stats.jsonRequests).toBe(1);
    await ji.flushReport();
    expect(lc.received.at(-1)?.body).toMatchObject({ ownerName: 'helmet', ownerInfo: { inferenceNumber: 1, hardExampleNumber: 1, uploadCloudRatio: 1 } });
  });

  it('asks the service which form it takes (BIG_MODEL_WIRE unset: auto), and a call can pick its own', async () => {
    const service = new BigModelService({ estimator: bigModel(), env: { JOB_NAME: 'helmet' }, modelUrl: false, host: '127.0.0.1', port: 0, log: () => undefined });
    const { port } = await service.start();
    closers.push(() => service.stop());
    const { ji } = await edge({ env: edgeEnv({ JOB_NAME: 'helmet', BIG_MODEL_PORT: String(port) }) });
    expect(rows((await ji.inference(HARD))[1])).toEqual([0.05, 0.95]);
    expect(service.stats).toMatchObject({ binaryRequests: 1, jsonRequests: 0 });
    expect(rows((await ji.inference(HARD, { cloudFormat: 'json' }))[1])).toEqual([0.05, 0.95]);
    expect(service.stats).toMatchObject({ binaryRequests: 1, jsonRequests: 1 });
  });

  it('talks to a service of the original Python lib: its GET lists routes only, it takes one sample and answers its output', async () => {
    const bodies: unknown[] = [];
    const original = await rawServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        if (req.method === 'GET') return res.end(JSON.stringify({ infos: [{ path: '/helmet', name: 'model_info' }, { path: '/helmet/predict', name: 'predict' }] }));
        bodies.push(JSON.parse(text));
        res.end(JSON.stringify({ result: [0.05, 0.95] }));
      });
    });
    const { ji } = await edge({ env: edgeEnv({ JOB_NAME: 'helmet', BIG_MODEL_PORT: String(original) }) });
    const outcome = await ji.infer(HARD);
    expect(outcome.answeredBy).toBe('cloud');
    expect(outcome.result.shape).toEqual([1, 2]);
    expect(rows(outcome.result)).toEqual([0.05, 0.95]);
    // The original edge's body: the sample as data.tolist() (no batch axis) and its post_process.
    expect(bodies).toEqual([{ data: [0.5, 0.5], post_process: null }]);
  });

  it('never offloads without a mining algorithm', async () => {
    const { ji, logs } = await edge({ env: edgeEnv({ HEM_NAME: '' }) });
    const [hard, result, , cloudResult] = await ji.inference(HARD);
    expect(hard).toBe(false);
    expect(rows(result)).toEqual([0.5, 0.5]);
    expect(cloudResult).toBeNull();
    expect(logs.join('\n')).toMatch(/no hard example mining/);
  });

  it('takes a mining algorithm passed explicitly, by instance or by method dict', async () => {
    const byDict = await edge({ env: edgeEnv({ HEM_NAME: '' }), hardExampleMining: { method: 'CloudOnly', param: {} } });
    expect((await byDict.ji.inference(EASY))[0]).toBe(true);
    const byInstance = await edge({ env: edgeEnv(), hardExampleMining: { name: 'Never', isHard: () => false } });
    expect((await byInstance.ji.inference(HARD))[0]).toBe(false);
  });
});

describe('JointInference, mining-then-inference', () => {
  it('routes on the raw input: hard samples go to the cloud only, easy ones to the edge only', async () => {
    const { ji, model } = await edge({ env: edgeEnv({ MINING_MODE: 'mining-then-inference' }) });
    expect(ji.settings.miningMode).toBe('mining-then-inference');
    const [hard, result, edgeResult, cloudResult] = await ji.inference(HARD);
    expect(hard).toBe(true);
    expect(rows(result)).toEqual([0.05, 0.95]);
    expect(edgeResult).toBeNull();
    expect(rows(cloudResult)).toEqual([0.05, 0.95]);
    expect(model.calls).toBe(0);

    const easy: Tensor = { data: Float32Array.from([1, 0]), shape: [1, 2] };
    const [easyHard, easyResult, easyEdge, easyCloud] = await ji.inference(easy);
    expect(easyHard).toBe(false);
    expect(rows(easyResult)).toEqual([1, 0]);
    expect(rows(easyEdge)).toEqual([1, 0]);
    expect(easyCloud).toBeNull();
    expect(model.calls).toBe(1);
  });

  it('falls back to the little model when the cloud fails', async () => {
    await cloud?.stop();
    const { ji, model } = await edge({ env: edgeEnv({ MINING_MODE: 'mining-then-inference' }) });
    const outcome = await ji.infer(HARD);
    expect(outcome).toMatchObject({ isHardExample: true, answeredBy: 'edge-fallback', cloudResult: null });
    expect(rows(outcome.result)).toEqual([0.5, 0.5]);
    expect(model.calls).toBe(1);
  });

  it('needs a mining algorithm', async () => {
    await expect(edge({ env: edgeEnv({ MINING_MODE: 'mining-then-inference', HEM_NAME: '' }) })).rejects.toThrow(/needs a hard example mining algorithm/);
  });
});

describe('JointInference when the cloud fails', () => {
  it('answers with the edge result when the cloud is down, counts and logs the failure, and recovers', async () => {
    const port = cloudPort;
    await cloud?.stop();
    const { ji, logs } = await edge({ env: edgeEnv() });
    const outcome = await ji.infer(HARD);
    expect(outcome).toMatchObject({ isHardExample: true, answeredBy: 'edge-fallback', cloudResult: null });
    expect(rows(outcome.result)).toEqual([0.5, 0.5]);
    expect(outcome.cloudError).toBeInstanceOf(CloudInferenceError);
    expect((outcome.cloudError as CloudInferenceError).kind).toBe('refused');
    const [hard, result, edgeResult, cloudResult] = await ji.inference(HARD);
    expect([hard, rows(result), rows(edgeResult), cloudResult]).toEqual([true, [0.5, 0.5], [0.5, 0.5], null]);
    expect(ji.stats).toMatchObject({ inferences: 2, hardExamples: 2, cloudAnswers: 0, cloudFailures: 2 });
    expect(ji.stats.lastCloudFailure).toMatch(/refused/);
    expect(logs.filter((l) => /cloud inference failed/.test(l))).toHaveLength(1);

    // The cloud comes back on the same port.
    cloud = new BigModelService({ estimator: bigModel(), env: {}, modelUrl: false, host: '127.0.0.1', port, log: () => undefined });
    await cloud.start();
    const [, back] = await ji.inference(HARD);
    expect(rows(back)).toEqual([0.05, 0.95]);
    expect(logs.at(-1)).toMatch(/works again after 2 failed calls/);

    // The LC hears that every hard example was sent, the failed ones included (as the original counts them).
    await ji.flushReport();
    expect(lc.received.at(-1)?.body).toMatchObject({ ownerInfo: { inferenceNumber: 3, hardExampleNumber: 3 } });
  });

  it('answers with the edge result when the cloud answers 500', async () => {
    const failing = await rawServer((_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error": "inference failed: boom"}'));
    const { ji } = await edge({ env: edgeEnv({ BIG_MODEL_PORT: String(failing) }) });
    const outcome = await ji.infer(HARD);
    expect(outcome.answeredBy).toBe('edge-fallback');
    const error = outcome.cloudError as CloudInferenceError;
    expect(error.kind).toBe('http');
    expect(error.status).toBe(500);
    expect(error.message).toMatch(/HTTP 500: inference failed: boom/);
    expect(ji.stats.cloudFailures).toBe(1);
  });

  it('answers with the edge result when the cloud does not answer in time', async () => {
    const silent = await rawServer(() => undefined);
    const { ji } = await edge({ env: edgeEnv({ BIG_MODEL_PORT: String(silent) }), cloudTimeoutMs: 200 });
    const outcome = await ji.infer(HARD);
    expect(outcome.answeredBy).toBe('edge-fallback');
    expect((outcome.cloudError as CloudInferenceError).kind).toBe('timeout');
  });
});

describe('JointInference configuration errors', () => {
  it('names the known algorithms when HEM_NAME is unknown', async () => {
    await expect(edge({ env: edgeEnv({ HEM_NAME: 'Entropy' }) })).rejects.toThrow(/no "Entropy" registered as hard_example_mining \(known: .*CrossEntropy.*IBT/);
  });

  it('refuses a bad MINING_MODE, a missing MODEL_URL and batches of more than one sample', async () => {
    await expect(edge({ env: edgeEnv({ MINING_MODE: 'cloud-first' }) })).rejects.toThrow(/MINING_MODE/);
    await expect(JointInference.create({ estimator: littleModel(), env: edgeEnv(), reporter: false })).rejects.toThrow(/MODEL_URL is not set/);
    const { ji } = await edge({ env: edgeEnv() });
    await expect(ji.inference({ data: new Float32Array(4), shape: [2, 2] })).rejects.toThrow(/one sample at a time/);
  });

  it('loads MODEL_URL into the little model', async () => {
    const loaded: string[] = [];
    const model = { ...littleModel(), load: async (url: string) => void loaded.push(url) };
    const ji = await JointInference.create({ estimator: model, env: edgeEnv({ MODEL_URL: '/models/little.onnx' }), reporter: false, log: () => undefined });
    closers.push(() => ji.close());
    expect(loaded).toEqual(['/models/little.onnx']);
  });
});

async function rawServer(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}
