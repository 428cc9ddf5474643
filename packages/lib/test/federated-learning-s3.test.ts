/**
 * Federated learning with `transmitter: s3`: the websocket carries the protocol messages only, and the weights go
 * through objects under AGG_DATA_PATH on a real S3 server (s3rver), for the updates and the global model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlpEstimator } from '../src/backend/mlp/estimator.js';
import type { ModelSpec } from '../src/backend/model-spec.js';
import { syntheticClasses } from '../src/backend/test-data.js';
import { AggregationServer, FederatedLearning, silentLog } from '../src/core/federated_learning/index.js';
import { Storage } from '../src/storage/index.js';
import { S3Transmitter } from '../src/transmitter/index.js';
import { startS3rver, type S3Fixture } from './helpers/s3rver-fixture.js';

const spec: ModelSpec = { inputShape: [8], layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 3 }] };

let s3: S3Fixture;
let storage: Storage;
beforeAll(async () => {
  s3 = await startS3rver(['fl-data']);
  storage = new Storage({ env: s3.env });
});
afterAll(async () => {
  storage.close();
  await s3.stop();
});

describe('the S3 transmitter', () => {
  it('moves updates and global models as objects, with the same rounds as over websocket frames', async () => {
    const aggDataPath = 's3://fl-data/job-s3';
    const server = new AggregationServer({
      aggregation: 'FedAvg',
      participantsCount: 2,
      exitRound: 2,
      host: '127.0.0.1',
      port: 0,
      log: silentLog,
      estimator: new MlpEstimator({ spec, seed: 3 }),
      s3: new S3Transmitter({ aggDataPath, storage }),
    });
    try {
      const { port } = await server.start();
      const results = await Promise.all(
        [0, 1].map((k) => {
          const { x, y } = syntheticClasses(40, [8], 3, 10 + k);
          return new FederatedLearning({
            estimator: new MlpEstimator({ spec, seed: k }),
            env: {},
            aggregatorUrl: `ws://127.0.0.1:${port}/FedAvg`,
            workerName: `edge-${k}`,
            s3: new S3Transmitter({ aggDataPath, storage }),
            reporter: false,
            log: silentLog,
          }).train({ x, y });
        }),
      );
      const outcome = await server.done;
      expect(outcome.history.map((record) => [...record.accepted].sort())).toEqual([
        ['edge-0', 'edge-1'],
        ['edge-0', 'edge-1'],
      ]);
      // Each worker holds the global model the aggregator published as an object.
      const published = await new S3Transmitter({ aggDataPath, storage }).recv('global/round-00002.weights', { timeoutMs: 1000 });
      for (const result of results) {
        result.estimator.getWeights().forEach((tensor, index) => expect(Array.from(tensor.data)).toEqual(Array.from(published.weights[index]!.data)));
      }
      expect(await storage.exists(`${aggDataPath}/updates/round-00001/edge-0.weights`)).toBe(true);
      expect(outcome.history[0]!.bytesReceived).toBeGreaterThan(2 * 4 * (8 * 8 + 8 + 8 * 3 + 3));
    } finally {
      await server.stop();
    }
  });
});
