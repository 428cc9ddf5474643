import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FedAdam } from '../../algorithms/aggregation/server-optimizers.js';
import { WeightedSumEngine } from '../../algorithms/aggregation/weighted-sum/engine.js';
import type { AggClient } from '../../algorithms/aggregation/types.js';
import type { WeightTensor } from '../estimator.js';
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.js';

const engine = new WeightedSumEngine({ backend: 'js' });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fl-checkpoint-'));
});
afterAll(async () => {
  await engine.dispose();
  await rm(dir, { recursive: true, force: true });
});

const tensor = (name: string, values: number[]): WeightTensor => ({ name, shape: [values.length], data: Float32Array.from(values) });
const client = (id: string, values: number[]): AggClient => ({ id, numSamples: 10, weights: [tensor('w', values), tensor('b', [values[0]! / 2])] });

describe('checkpoints', () => {
  it('keep the global model, the rounds and the FedAdam state, so a restored optimizer takes the same next step', async () => {
    const original = new FedAdam({ eta: '0.1' }, { engine });
    original.setGlobalWeights([tensor('w', [0, 0, 0]), tensor('b', [0])]);
    await original.aggregate([client('a', [1, 2, 3]), client('b', [3, 2, 1])]);
    const global = (await original.aggregate([client('a', [2, 2, 2]), client('b', [0, 1, 0])])).weights;
    const checkpoint: Checkpoint = {
      jobName: 'job',
      algorithm: 'FedAdam',
      completedRounds: 2,
      finished: false,
      globalWeights: global,
      optimizer: original.exportState(),
      history: [],
    };
    const url = join(dir, 'state.fl-checkpoint');
    await saveCheckpoint(url, checkpoint);
    expect((await readdir(dir)).filter((name) => name.includes('.tmp'))).toEqual([]);
    const restored = (await loadCheckpoint(url))!;
    expect(restored.completedRounds).toBe(2);
    expect(restored.globalWeights!.map((t) => [t.name, Array.from(t.data)])).toEqual(global.map((t) => [t.name, Array.from(t.data)]));
    expect(Object.keys(restored.optimizer!.moments).sort()).toEqual(['m/0', 'm/1', 'v/0', 'v/1']);

    const resumed = new FedAdam({ eta: '0.1' }, { engine });
    resumed.restoreState(restored.optimizer!);
    const next = [client('a', [5, 0, 1]), client('b', [1, 1, 1])];
    const expected = await original.aggregate(next);
    const got = await resumed.aggregate(next);
    got.weights.forEach((t, index) => expect(Array.from(t.data)).toEqual(Array.from(expected.weights[index]!.data)));
  });

  it('say when there is none, and refuse what is not one', async () => {
    expect(await loadCheckpoint(join(dir, 'missing'))).toBeUndefined();
    const bytes = encodeCheckpoint({ jobName: 'j', algorithm: 'FedAvg', completedRounds: 0, finished: false, globalWeights: undefined, optimizer: undefined, history: [] });
    expect(decodeCheckpoint(bytes, 'x').globalWeights).toBeUndefined();
    expect(decodeCheckpoint(bytes, 'x').workerName).toBeUndefined();
    const named = encodeCheckpoint({ jobName: 'j', algorithm: 'FedAvg', completedRounds: 3, finished: true, workerName: 'aggworker-x', globalWeights: undefined, optimizer: undefined, history: [] });
    expect(decodeCheckpoint(named, 'x')).toMatchObject({ finished: true, workerName: 'aggworker-x' });
    const fedAdam = new FedAdam();
    expect(() => fedAdam.restoreState({ steps: 1, globalWeights: [tensor('w', [1])], moments: { 'q/0': new Float32Array(1) } })).toThrow(/the saved moment "q\/0" does not fit/);
  });
});
