/**
 * A whole incremental learning round on the embedded control plane (`sedna up`) with the example's real workers,
 * on a slice: the inference worker saves hard examples, the labeller appends them to the dataset, the LC's train
 * trigger fires, train and eval run as pods, the deploy trigger passes, and the new model is hot-updated into the
 * running inference worker (Deploy/Completed reported by it), the job back at Train/Waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sedna, waitFor } from '../../../packages/cli/test/harness.js';
import { type RoundFixture, startRoundFixture, WHOLE_ROUND } from './round-fixture.js';

let f: RoundFixture;

beforeAll(async () => {
  f = await startRoundFixture('sedna-il');
}, 180_000);
afterAll(async () => {
  await f?.stop();
});

describe('the incremental learning example on sedna up', () => {
  it('runs a round: trigger, train, eval, deploy with a hot update', async () => {
    await f.applyJob();
    f.startLabeller();
    const conditions = await waitFor('a whole round', async () => {
      const t = await f.trail('fashion-mnist-demo');
      return t.includes('Deploy/Completed') && t.at(-1) === 'Train/Waiting' ? t : undefined;
    }, 240_000);
    expect(conditions.slice(0, 16)).toEqual(WHOLE_ROUND);
    // The inference worker was not restarted: it swapped models (hot update).
    const pods = JSON.parse((await sedna(['get', 'pods', '-l', 'incrementallearningjob.sedna.io/worker-type=inference', '-o', 'json', '--data-dir', f.dataDir])).stdout).items;
    expect(pods).toHaveLength(1);
    expect(pods[0].status.containerStatuses[0].restartCount).toBe(0);
    const logs = await sedna(['logs', pods[0].metadata.name, '--data-dir', f.dataDir]);
    expect(logs.stdout).toMatch(/hot update: now serving .*model-hot-update.* \(version /);
  }, 300_000);
});
