/**
 * MistNet over real loopback websockets on a Fashion-MNIST slice: three edge workers upload the noised outputs of
 * the model's first layer (never their images), the aggregator trains the rest, and the global model classifies.
 */
import { describe, expect, it } from 'vitest';
import { MlpEstimator } from '../src/backend/mlp/estimator.js';
import type { ModelSpec } from '../src/backend/model-spec.js';
import { AggregationServer, FederatedLearning, silentLog } from '../src/core/federated_learning/index.js';
import type { Tensor } from '../src/core/estimator.js';
import { loadFashionMnist } from '../src/datasources/fashion-mnist.js';

const spec: ModelSpec = { inputShape: [784], layers: [{ type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }] };
const PER_WORKER = 1000;

describe('MistNet', () => {
  it('trains the layers after the cut in the cloud on the workers\' noised features', async () => {
    const train = await loadFashionMnist({ split: 'train', count: 3 * PER_WORKER });
    const test = await loadFashionMnist({ split: 'test', count: 1000 });
    const evaluator = new MlpEstimator({ spec, seed: 1 });
    const initial = new MlpEstimator({ spec, seed: 7 });
    const server = new AggregationServer({
      aggregation: { method: 'MistNet', param: { cut_layer: '1', epsilon: '100' } },
      participantsCount: 3,
      exitRound: 2,
      host: '127.0.0.1',
      port: 0,
      log: silentLog,
      estimator: initial,
      mistnet: { epochs: 5 },
      evaluate: async (weights) => {
        evaluator.setWeights(weights);
        return evaluator.evaluate(test.x, test.y);
      },
    });
    const edgeBefore = initial.getWeights().slice(0, 2).map((tensor) => Array.from(tensor.data));
    try {
      const { port } = await server.start();
      const share = (k: number): { x: Tensor; y: Int32Array } => ({ x: { data: train.x.data.slice(k * PER_WORKER * 784, (k + 1) * PER_WORKER * 784), shape: [PER_WORKER, 784] }, y: train.y.slice(k * PER_WORKER, (k + 1) * PER_WORKER) });
      const results = await Promise.all(
        [0, 1, 2].map((k) => new FederatedLearning({ estimator: new MlpEstimator({ spec, seed: k }), env: {}, aggregatorUrl: `ws://127.0.0.1:${port}/MistNet`, workerName: `edge-${k}`, reporter: false, log: silentLog }).train(share(k))),
      );
      const outcome = await server.done;
      expect(outcome.history.map((record) => record.totalSamples)).toEqual([3000, 3000]);
      // The first layer is the aggregator's random initial one, frozen: a linear classifier on random features.
      expect(outcome.history.at(-1)!.accuracy).toBeGreaterThan(0.6);
      // 64 noised features a sample went up, not 784 pixels.
      expect(outcome.history[0]!.bytesReceived).toBeLessThan(3 * PER_WORKER * (64 + 1) * 4 + 3 * 1024);
      // The edge part stays as it was; every worker ends with the whole trained model.
      outcome.weights!.slice(0, 2).forEach((tensor, index) => expect(Array.from(tensor.data)).toEqual(edgeBefore[index]));
      for (const result of results) result.estimator.getWeights().forEach((tensor, index) => expect(Array.from(tensor.data)).toEqual(Array.from(outcome.weights![index]!.data)));
    } finally {
      await server.stop();
    }
  });

  it('needs the whole model on the aggregator, and a cut inside it', () => {
    const make = (options: Partial<ConstructorParameters<typeof AggregationServer>[0]>) => () =>
      new AggregationServer({ aggregation: { method: 'MistNet', param: { cut_layer: '1' } }, participantsCount: 1, exitRound: 1, log: silentLog, ...options });
    expect(make({})).toThrow(/MistNet needs the whole model/);
    expect(make({ estimator: new MlpEstimator({ spec, seed: 1 }), aggregation: { method: 'MistNet', param: { cut_layer: '2' } } })).toThrow(/cut_layer must be an integer from 1 to 1/);
  });
});
