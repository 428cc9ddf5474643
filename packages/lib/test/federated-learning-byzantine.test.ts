/**
 * A byzantine worker (large random weights every round) among four honest ones, on a Fashion-MNIST slice: Krum and
 * the coordinate-wise median keep the global model's accuracy, while plain FedAvg is wrecked by it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlpEstimator } from '../src/backend/mlp/estimator.js';
import type { ModelSpec } from '../src/backend/model-spec.js';
import { seededRandom } from '../src/common/random.js';
import { AggregationServer, FederatedLearning, silentLog, type AggregationServerOptions } from '../src/core/federated_learning/index.js';
import type { Tensor } from '../src/core/estimator.js';
import { HookedEstimator } from './helpers/hooked-estimator.js';
import { loadFashionMnist, type FashionMnistSlice } from '../src/datasources/fashion-mnist.js';

const spec: ModelSpec = { inputShape: [784], layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10 }] };
const HONEST = 4;
const PER_WORKER = 500;

/** Trains like the others but reports large random weights (a faulty or malicious worker). */
function byzantine(inner: MlpEstimator): HookedEstimator {
  const random = seededRandom(99);
  return new HookedEstimator(inner, { weights: (weights) => weights.map((tensor) => ({ ...tensor, data: tensor.data.map(() => (random() - 0.5) * 200) })) });
}

let train: FashionMnistSlice;
let test: FashionMnistSlice;
beforeAll(async () => {
  train = await loadFashionMnist({ split: 'train', count: (HONEST + 1) * PER_WORKER });
  test = await loadFashionMnist({ split: 'test', count: 1000 });
});

const servers: AggregationServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
});

function share(k: number): { x: Tensor; y: Int32Array } {
  return { x: { data: train.x.data.slice(k * PER_WORKER * 784, (k + 1) * PER_WORKER * 784), shape: [PER_WORKER, 784] }, y: train.y.slice(k * PER_WORKER, (k + 1) * PER_WORKER) };
}

/** Runs 3 rounds with the given strategy; returns the global model's test accuracy and the round records. */
async function run(aggregation: AggregationServerOptions['aggregation'], withByzantine: boolean): Promise<{ accuracy: number; accepted: string[][] }> {
  const evaluator = new MlpEstimator({ spec, seed: 1 });
  const count = HONEST + (withByzantine ? 1 : 0);
  const server = new AggregationServer({
    aggregation,
    participantsCount: count,
    exitRound: 3,
    host: '127.0.0.1',
    port: 0,
    log: silentLog,
    estimator: new MlpEstimator({ spec, seed: 7 }),
    evaluate: async (weights) => {
      evaluator.setWeights(weights);
      return evaluator.evaluate(test.x, test.y);
    },
  });
  servers.push(server);
  const { port } = await server.start();
  const url = `ws://127.0.0.1:${port}/x`;
  const workers = Array.from({ length: count }, (_, k) => {
    const inner = new MlpEstimator({ spec, seed: 10 + k });
    const estimator = withByzantine && k === HONEST ? byzantine(inner) : inner;
    return new FederatedLearning({ estimator, env: {}, aggregatorUrl: url, workerName: k === HONEST ? 'byzantine' : `edge-${k}`, epochs: 2, batchSize: 32, reporter: false, log: silentLog, trainOptions: { seed: k } });
  });
  await Promise.all(workers.map((worker, k) => worker.train(share(k))));
  const outcome = await server.done;
  await server.stop();
  return { accuracy: outcome.history.at(-1)!.accuracy!, accepted: outcome.history.map((record) => [...record.accepted]) };
}

describe('a byzantine worker', () => {
  it('cannot move Krum or FedMedian, but wrecks FedAvg', async () => {
    const honest = await run('FedAvg', false);
    const krum = await run({ method: 'Krum', param: { num_malicious_clients: '1' } }, true);
    const median = await run('FedMedian', true);
    const naive = await run('FedAvg', true);

    expect(honest.accuracy).toBeGreaterThan(0.65);
    expect(krum.accuracy).toBeGreaterThan(honest.accuracy - 0.1);
    expect(median.accuracy).toBeGreaterThan(honest.accuracy - 0.05);
    // Krum never picks the byzantine update.
    expect(krum.accepted.every((ids) => ids.length === 1 && ids[0] !== 'byzantine')).toBe(true);
    expect(naive.accuracy).toBeLessThan(0.4);
  });
});
