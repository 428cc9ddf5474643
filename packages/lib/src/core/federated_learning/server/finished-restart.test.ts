/**
 * An aggregation worker killed after its last round (its checkpoint says finished) and restarted by its pod's
 * restart policy: the training workers got the last result and are gone, so starting the rounds over would wait for
 * them for ever and the job would never end. The restarted process of the same worker (same WORKER_NAME; the GM
 * names every aggregator pod anew) ends the job again instead; a later run (another name, or none) starts over.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlpEstimator } from '../../../backend/mlp/estimator.js';
import { loadCheckpoint } from '../checkpoint.js';
import { FederatedLearning } from '../client/federated-learning.js';
import type { AggregationServerOptions } from './aggregation-server.js';
import { TEST_DATA, TEST_SPEC, useTestAggregators } from '../../../../test/helpers/test-aggregators.js';

const aggregators = useTestAggregators('fl-finished-restart-');
const { lines } = aggregators;
const spec = TEST_SPEC;
const data = TEST_DATA;
const start = (options: Partial<AggregationServerOptions> = {}): ReturnType<typeof aggregators.start> => aggregators.start({ modelUrl: join(aggregators.dir(), 'model'), ...options });

function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('an aggregator restarted after its last round', () => {
  it('ends the job again when it is the same worker, and a later run starts over', async () => {
    const first = await start({ workerName: 'aggworker-abcde' });
    const trainer = new FederatedLearning({ estimator: new MlpEstimator({ spec, seed: 2 }), env: {}, aggregatorUrl: `ws://127.0.0.1:${first.port}/FedAvg`, workerName: 'edge-1', jobName: 'fl-job', epochs: 1, batchSize: 8, reporter: false, log: () => undefined });
    expect((await trainer.train(data)).rounds).toBe(2);
    const done = await first.server.done;
    expect((await loadCheckpoint(join(aggregators.dir(), 'model.fl-checkpoint')))?.finished).toBe(true);
    await first.server.stop(); // killed before its process exited

    // The same pod's next process: no worker will come, and it must not wait for one.
    const again = await start({ workerName: 'aggworker-abcde' });
    const result = await within(10_000, again.server.done, 'the restarted aggregator to end the job');
    expect(result.rounds).toBe(2);
    expect(result.history).toEqual(done.history);
    expect(again.server.status().resumedFrom).toBe(2);
    expect(lines.some((line) => /the run had finished before this restart/.test(line))).toBe(true);
    await again.server.stop();

    // Another aggregation worker of the job (a new pod), or one without a name of its own: a new run.
    for (const workerName of ['aggworker-fghij', undefined]) {
      const later = await start(workerName === undefined ? {} : { workerName });
      expect(later.server.status()).toMatchObject({ completedRounds: 0, finished: false, resumedFrom: undefined });
      expect(lines.some((line) => /not resuming .*: it belongs to a run that finished; starting over/.test(line))).toBe(true);
      await later.server.stop();
      lines.length = 0;
    }
  });
});
