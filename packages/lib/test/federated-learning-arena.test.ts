/**
 * The aggregation server puts each arriving update into the FedAvg engine's arena, so that the round reads the
 * weights in place, and gives the memory back after the round: over real loopback websockets, with two workers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FedAvg } from '../src/algorithms/aggregation/fedavg.js';
import type { AggClient, Aggregation } from '../src/algorithms/aggregation/types.js';
import { WeightedSumEngine } from '../src/algorithms/aggregation/weighted-sum/engine.js';
import { weightedSumReference } from '../src/algorithms/aggregation/weighted-sum/reference.js';
import { MlpEstimator } from '../src/backend/mlp/estimator.js';
import type { ModelSpec } from '../src/backend/model-spec.js';
import { syntheticClasses } from '../src/backend/test-data.js';
import { AggregationServer, FederatedLearning, silentLog } from '../src/core/federated_learning/index.js';

const spec: ModelSpec = { inputShape: [8], layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 3 }] };
const task = syntheticClasses(120, [8], 3, 5, 0.8);
const engine = new WeightedSumEngine({ threads: 1 });

afterAll(async () => {
  await engine.dispose();
});

/** FedAvg on `engine`, noting for each round whether the weights it got were in the arena, and copies of them. */
function observedFedAvg(): { aggregation: Aggregation; rounds: { inArena: boolean; clients: AggClient[] }[] } {
  const fedavg = new FedAvg({}, { engine });
  const rounds: { inArena: boolean; clients: AggClient[] }[] = [];
  const aggregation: Aggregation = {
    name: fedavg.name,
    inputArena: fedavg.inputArena,
    aggregate: (clients) => {
      rounds.push({
        inArena: clients.every((client) => client.weights.every((tensor) => engine.arena.contains(tensor.data))),
        clients: clients.map((client) => ({ ...client, weights: client.weights.map((tensor) => ({ ...tensor, data: tensor.data.slice() })) })),
      });
      return fedavg.aggregate(clients);
    },
  };
  return { aggregation, rounds };
}

describe('the aggregation server and the engine arena', () => {
  it('aggregates updates placed in the arena on arrival and releases them after each round', async () => {
    const { aggregation, rounds } = observedFedAvg();
    const server = new AggregationServer({
      aggregation,
      participantsCount: 2,
      exitRound: 2,
      host: '127.0.0.1',
      port: 0,
      jobName: 'fl-arena',
      lingerMs: 0,
      estimator: new MlpEstimator({ spec, seed: 3 }),
      log: silentLog,
    });
    try {
      const { port } = await server.start();
      const url = `ws://127.0.0.1:${port}/${aggregation.name}`;
      const workers = [0, 1].map(
        (k) =>
          new FederatedLearning({
            estimator: new MlpEstimator({ spec, seed: 10 + k }),
            env: {},
            aggregatorUrl: url,
            workerName: `edge-${k}`,
            jobName: 'fl-arena',
            epochs: 1,
            batchSize: 16,
            learningRate: 0.01,
            trainOptions: { seed: k },
            reporter: false,
            log: silentLog,
          }),
      );
      const share = (k: number): { x: { data: Float32Array; shape: number[] }; y: Int32Array } => ({
        x: { data: task.x.data.slice(k * 60 * 8, (k + 1) * 60 * 8), shape: [60, 8] },
        y: task.y.slice(k * 60, (k + 1) * 60),
      });
      await Promise.all(workers.map((worker, k) => worker.train(share(k))));
      const outcome = await server.done;

      expect(rounds).toHaveLength(2);
      expect(rounds.every((round) => round.inArena)).toBe(true);
      // Nothing stays allocated: each round gave its updates' memory back.
      expect(engine.arena.allocatedBytes).toBe(0);
      // The last global model is the sample-weighted average of what the workers sent in the last round.
      const last = rounds.at(-1)!.clients;
      const total = last.reduce((sum, client) => sum + client.numSamples, 0);
      const expected = weightedSumReference(
        last.map((client) => client.weights.map((tensor) => tensor.data)),
        last.map((client) => client.numSamples / total),
      ).layers;
      outcome.weights!.forEach((tensor, index) => {
        for (let position = 0; position < tensor.data.length; position++) expect(tensor.data[position]).toBeCloseTo(expected[index]![position]!, 6);
      });
    } finally {
      await server.stop();
    }
  });
});
