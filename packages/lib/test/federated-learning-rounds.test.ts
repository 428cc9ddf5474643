/**
 * Federated learning over real loopback websockets: an AggregationServer and three FederatedLearning workers with
 * small mlp models on a synthetic task, for several rounds, with the strategies the example offers (FedAvg,
 * FedProx, FedAdam), compressed updates, reports to a local controller and the model saved at the end.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MlpEstimator } from '../src/backend/mlp/estimator.js';
import type { ModelSpec } from '../src/backend/model-spec.js';
import type { AlgorithmSpec } from '../src/common/config.js';
import { syntheticClasses } from '../src/backend/test-data.js';
import { AggregationServer, FederatedLearning, FederatedReporter, silentLog, type AggregationServerOptions, type FederatedTrainResult } from '../src/core/federated_learning/index.js';
import { LCClient } from '../src/reporter/lc-client.js';
import { FakeLC } from './helpers/fake-lc.js';

const spec: ModelSpec = { inputShape: [12], layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 4 }] };
const task = syntheticClasses(360, [12], 4, 3, 0.8);
const test = syntheticClasses(200, [12], 4, 3, 0.8);

/** Client k's third of the task. */
function share(k: number): { x: { data: Float32Array; shape: number[] }; y: Int32Array } {
  const n = 120;
  return { x: { data: task.x.data.slice(k * n * 12, (k + 1) * n * 12), shape: [n, 12] }, y: task.y.slice(k * n, (k + 1) * n) };
}

let dir: string;
let server: AggregationServer | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fl-rounds-'));
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function startServer(options: Partial<AggregationServerOptions>): Promise<{ server: AggregationServer; url: string }> {
  const started = new AggregationServer({
    aggregation: 'FedAvg',
    participantsCount: 3,
    exitRound: 3,
    host: '127.0.0.1',
    port: 0,
    jobName: 'fl-test',
    log: process.env['FL_DEBUG'] ? (line) => console.log('S', line) : silentLog,
    ...options,
  });
  server = started;
  const { port } = await started.start();
  return { server: started, url: `ws://127.0.0.1:${port}/${started.aggregation.name}` };
}

function worker(url: string, k: number, extra: Partial<ConstructorParameters<typeof FederatedLearning>[0]> = {}): FederatedLearning {
  return new FederatedLearning({
    estimator: new MlpEstimator({ spec, seed: 100 + k }),
    env: {},
    aggregatorUrl: url,
    workerName: `edge-${k}`,
    jobName: 'fl-test',
    epochs: 2,
    batchSize: 16,
    learningRate: 0.01,
    trainOptions: { seed: k },
    reporter: false,
    log: process.env['FL_DEBUG'] ? (line) => console.log('C', line) : silentLog,
    ...extra,
  });
}

describe('three workers and an aggregator', () => {
  it('run FedAvg for several rounds: every worker ends with the same global model, which learned the task', async () => {
    const evaluator = new MlpEstimator({ spec, seed: 1 });
    const { server: aggregator, url } = await startServer({
      estimator: new MlpEstimator({ spec, seed: 7 }),
      evaluate: async (weights) => {
        evaluator.setWeights(weights);
        return evaluator.evaluate(test.x, test.y);
      },
      modelUrl: join(dir, 'fedavg-model'),
    });
    const results = await Promise.all([0, 1, 2].map((k) => worker(url, k).train(share(k))));
    const outcome = await aggregator.done;

    expect(outcome.rounds).toBe(3);
    expect(outcome.history.map((record) => record.round)).toEqual([1, 2, 3]);
    for (const record of outcome.history) {
      expect([...record.accepted].sort()).toEqual(['edge-0', 'edge-1', 'edge-2']);
      expect(record.totalSamples).toBe(360);
      expect(record.closedBy).toBe('participants');
      expect(record.bytesReceived).toBeGreaterThan(3 * 4 * (12 * 16 + 16 + 16 * 4 + 4));
      expect(record.trainAccuracy).toBeGreaterThan(0);
    }
    expect(outcome.history.at(-1)!.accuracy).toBeGreaterThan(0.9);
    // Every worker holds the final global model.
    const final = outcome.weights!;
    for (const result of results) {
      expect(result.rounds).toBe(3);
      expect(result.roundsTrained).toBe(3);
      expect(result.history).toHaveLength(3);
      result.estimator.getWeights().forEach((tensor, index) => expect(Array.from(tensor.data)).toEqual(Array.from(final[index]!.data)));
    }
    // The model went to MODEL_URL in the estimator's format.
    expect(outcome.model?.format).toBe('tfjs');
    const saved = new MlpEstimator();
    await saved.load(outcome.model!.url);
    expect((await saved.evaluate(test.x, test.y))['accuracy']).toBeCloseTo(outcome.history.at(-1)!.accuracy!, 5);
  });

  it('run FedProx (the workers get μ from the aggregator) and FedAdam (server optimizer) to a model that learned', async () => {
    const strategies: AlgorithmSpec[] = [
      { method: 'FedProx', param: { proximal_mu: '0.5' } },
      { method: 'FedAdam', param: { eta: '0.05' } },
    ];
    for (const aggregation of strategies) {
      const evaluator = new MlpEstimator({ spec, seed: 1 });
      const { server: aggregator, url } = await startServer({
        aggregation,
        estimator: new MlpEstimator({ spec, seed: 7 }),
        evaluate: async (weights) => {
          evaluator.setWeights(weights);
          return evaluator.evaluate(test.x, test.y);
        },
      });
      const results: FederatedTrainResult[] = await Promise.all([0, 1, 2].map((k) => worker(url, k).train(share(k))));
      const outcome = await aggregator.done;
      expect(outcome.history.at(-1)!.accuracy, aggregation.method).toBeGreaterThan(0.85);
      expect(results.every((result) => result.rounds === 3)).toBe(true);
      await aggregator.stop();
    }
  });

  it('FedProx keeps local models nearer the global one than FedAvg does', async () => {
    const drift = async (aggregation: AggregationServerOptions['aggregation']): Promise<number> => {
      const { server: aggregator, url } = await startServer({ aggregation, exitRound: 1, participantsCount: 1, estimator: new MlpEstimator({ spec, seed: 7 }) });
      const start = new MlpEstimator({ spec, seed: 7 }).getWeights();
      const local = new MlpEstimator({ spec, seed: 7 });
      // exit_round 1 with one worker: the global model after the round is that worker's local model.
      await worker(url, 0, { estimator: local, epochs: 5 }).train(share(0));
      await aggregator.stop();
      return local.getWeights().reduce((sum, tensor, index) => sum + tensor.data.reduce((s, v, i) => s + (v - start[index]!.data[i]!) ** 2, 0), 0);
    };
    const plain = await drift('FedAvg');
    const proximal = await drift({ method: 'FedProx', param: { proximal_mu: '20' } });
    expect(proximal).toBeLessThan(plain * 0.8);
  });

  it('compress updates (Int8Linear differences to the global model) and the global model (Float16) with far fewer bytes', async () => {
    const evaluator = new MlpEstimator({ spec, seed: 1 });
    const { server: aggregator, url } = await startServer({
      estimator: new MlpEstimator({ spec, seed: 7 }),
      broadcastCompression: 'Float16',
      evaluate: async (weights) => {
        evaluator.setWeights(weights);
        return evaluator.evaluate(test.x, test.y);
      },
    });
    const results = await Promise.all([0, 1, 2].map((k) => worker(url, k, { compression: 'Int8Linear' }).train(share(k))));
    const compressed = await aggregator.done;
    await aggregator.stop();
    const { server: plainServer, url: plainUrl } = await startServer({ estimator: new MlpEstimator({ spec, seed: 7 }) });
    await Promise.all([0, 1, 2].map((k) => worker(plainUrl, k).train(share(k))));
    const plain = await plainServer.done;
    expect(compressed.history[0]!.bytesReceived).toBeLessThan(plain.history[0]!.bytesReceived * 0.45);
    // A tiny model: the JSON header of each message is a good part of the bytes here.
    expect(compressed.history[0]!.bytesSent).toBeLessThan(plain.history[0]!.bytesSent * 0.8);
    expect(compressed.history.at(-1)!.accuracy).toBeGreaterThan(0.9);
    // The aggregator keeps the model as the workers decode it: both hold the same numbers.
    for (const result of results) {
      result.estimator.getWeights().forEach((tensor, index) => expect(Array.from(tensor.data)).toEqual(Array.from(compressed.weights![index]!.data)));
    }
  });

  it('with client choice, train each round on the chosen workers only', async () => {
    const { server: aggregator, url } = await startServer({ participantsCount: 6, clientChoose: { method: 'SimpleClientChoose', param: { per_round: '2' } } });
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((k) => worker(url, k).train(share(k % 3))));
    const outcome = await aggregator.done;
    expect(outcome.history.map((record) => record.accepted.length)).toEqual([2, 2, 2]);
    expect(outcome.history.every((record) => record.closedBy === 'participants')).toBe(true);
    // Every worker ends with the global model, though only the chosen ones trained.
    expect(results.reduce((sum, result) => sum + result.roundsTrained, 0)).toBe(6);
    for (const result of results) {
      expect(result.rounds).toBe(3);
      result.estimator.getWeights().forEach((tensor, index) => expect(Array.from(tensor.data)).toEqual(Array.from(outcome.weights![index]!.data)));
    }
  });

  it('report progress to the local controller: rounds while running, the model and its metrics at the end', async () => {
    const lc = new FakeLC();
    await lc.start();
    try {
      const env = { LC_SERVER: lc.url, JOB_NAME: 'fl-test', NAMESPACE: 'default' };
      const reporterFor = (name: string): FederatedReporter =>
        new FederatedReporter({ client: new LCClient({ lcServer: lc.url }), identity: { name, namespace: 'default', ownerName: 'fl-test', ownerKind: 'federatedlearningjob' }, log: silentLog });
      const modelUrl = join(dir, 'reported-model');
      const { server: aggregator, url } = await startServer({ estimator: new MlpEstimator({ spec, seed: 7 }), modelUrl, reporter: reporterFor('agg-1'), exitRound: 2 });
      await Promise.all([0, 1, 2].map((k) => worker(url, k, { env: { ...env, WORKER_NAME: `edge-${k}`, MODEL_URL: modelUrl }, reporter: reporterFor(`edge-${k}`) }).train(share(k))));
      await aggregator.done;
      await aggregator.stop();
      const from = (worker: string) => lc.received.filter((report) => report.worker === worker).map((report) => report.body as any);
      const aggregatorReports = from('agg-1');
      expect(aggregatorReports.every((body) => body.ownerKind === 'federatedlearningjob' && body.kind === 'train' && body.ownerName === 'fl-test')).toBe(true);
      expect(aggregatorReports.at(-1).status).toBe('completed');
      expect(aggregatorReports.at(-1).ownerInfo.currentRound).toBe(2);
      expect(aggregatorReports.at(-1).results[0].url).toMatch(/reported-model/);
      expect(aggregatorReports.at(-1).results[0].metrics.accuracy).toHaveLength(2);
      const edge = from('edge-1');
      expect(edge.some((body) => body.status === 'running' && body.ownerInfo.currentRound === 1 && body.ownerInfo.sampleCount === 360)).toBe(true);
      expect(edge.at(-1).status).toBe('completed');
      expect(edge.at(-1).results[0]).toMatchObject({ url: modelUrl, metrics: { accuracy: expect.any(Array), loss: expect.any(Array) } });
      expect(typeof edge.at(-1).ownerInfo.startTime).toBe('string');
      expect(JSON.parse(await readFile(join(modelUrl, 'model.json'), 'utf8'))).toHaveProperty('modelTopology');
    } finally {
      await lc.stop();
    }
  });
});
