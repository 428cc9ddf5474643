/**
 * The incremental learning example with its inference worker as a graph (graph.toml, run by `sedna flow run`) on
 * the embedded control plane, on a slice: the graph's camera plays the site's frames, hard examples are mined and
 * saved, the labeller appends them to the dataset, the LC's train trigger fires, train and eval run, the deploy
 * trigger passes, and the new model is hot-updated into the running graph (no restart), which then answers with it.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sedna, waitFor } from '../../../packages/cli/test/harness.js';
import { type RoundFixture, startRoundFixture, WHOLE_ROUND } from '../../incremental_learning/fashion_mnist/round-fixture.js';

const exampleDir = resolve(import.meta.dirname, '.');
let f: RoundFixture;

beforeAll(async () => {
  f = await startRoundFixture('sedna-flow-il', join(exampleDir, 'prepare.ts'));
}, 180_000);
afterAll(async () => {
  await f?.stop();
});

describe('the incremental learning inference worker as a graph, on sedna up', () => {
  it('runs a round: hard examples from the graph, trigger, train, eval, deploy hot-updated into the running graph', async () => {
    await f.applyJob(join(exampleDir, 'incremental_learning.yaml'));
    f.startLabeller();
    const conditions = await waitFor('a whole round', async () => {
      const t = await f.trail('fashion-mnist-flow');
      return t.includes('Deploy/Completed') && t.at(-1) === 'Train/Waiting' ? t : undefined;
    }, 240_000);
    expect(conditions.slice(0, 16)).toEqual(WHOLE_ROUND);
    // The graph was not restarted: its inference unit swapped models (hot update) and answers with the new one.
    const pods = JSON.parse((await sedna(['get', 'pods', '-l', 'incrementallearningjob.sedna.io/worker-type=inference', '-o', 'json', '--data-dir', f.dataDir])).stdout).items;
    expect(pods).toHaveLength(1);
    expect(pods[0].status.containerStatuses[0].restartCount).toBe(0);
    const logs = await sedna(['logs', pods[0].metadata.name, '--data-dir', f.dataDir]);
    expect(logs.stdout).toMatch(/graph incremental-learning-inference: 7 nodes/);
    expect(logs.stdout).toMatch(/Normal ModelUpdated infer: now serving .*model-hot-update.* \(version /);
    const results = join(f.work, 'infer', 'results.txt');
    const updated = await waitFor('results of the new model', () => readFileSync(results, 'utf8').split('\n').find((line) => /^frame-\d{5} \d \S+/.test(line) && !line.endsWith(' initial')));
    expect(updated).toMatch(/^frame-\d{5} \d \d{4}-/);
    const saved = readFileSync(join(f.work, 'he', 'index.txt'), 'utf8').trim().split('\n');
    expect(saved.length).toBeGreaterThan(250);
    expect(saved[0]).toMatch(/^he-frame-\d{5}\.pgm \d$/);
  }, 300_000);
});
