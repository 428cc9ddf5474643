import { afterAll, describe, expect, it } from 'vitest';
import { FedAvg } from '../../../algorithms/aggregation/fedavg.js';
import { Krum } from '../../../algorithms/aggregation/robust.js';
import { WeightedSumEngine } from '../../../algorithms/aggregation/weighted-sum/engine.js';
import type { WeightTensor } from '../../estimator.js';
import { combineRound, fitToModel, weightedMetric } from './combine.js';
import { OpenRound, type AcceptedUpdate } from './open-round.js';

const engine = new WeightedSumEngine({ backend: 'js' });
afterAll(() => engine.dispose());

const update = (id: string, numSamples: number, values: number[], shape = [values.length], named = true, metrics?: { loss?: number; accuracy?: number }): AcceptedUpdate => ({
  id,
  numSamples,
  weights: [{ name: named ? 'w' : 'layer_0', shape, data: Float32Array.from(values) }],
  metrics,
  named,
});

describe('an open round', () => {
  it('ends when every participant answered with enough usable updates, or after the timeout with enough', () => {
    const round = new OpenRound(3);
    round.answer('a', { kind: 'accepted', update: update('a', 1, [1]) }, 10);
    round.answer('b', { kind: 'rejected', reason: 'NaN' }, 5);
    expect(round.closeReason(3, 1)).toBeUndefined();
    round.timedOut = true;
    expect(round.closeReason(3, 2)).toBeUndefined();
    expect(round.closeReason(3, 1)).toBe('timeout');
    round.timedOut = false;
    round.answer('c', { kind: 'accepted', update: update('c', 1, [1]) }, 10);
    expect(round.closeReason(3, 2)).toBe('participants');
    expect(round.bytesReceived).toBe(25);
    // A worker's newer answer replaces its older one.
    round.answer('b', { kind: 'accepted', update: update('b', 1, [1]) }, 0);
    expect(round.accepted().map((u) => u.id)).toEqual(['a', 'b', 'c']);
    expect(round.rejected()).toEqual([]);
  });

  it('all refused: it waits, however long, for something usable', () => {
    const round = new OpenRound(1);
    round.answer('a', { kind: 'rejected', reason: 'x' }, 0);
    round.timedOut = true;
    expect(round.closeReason(1, 1)).toBeUndefined();
  });
});

describe('combining a round', () => {
  it('averages by samples the updates that fit the global model and leaves the others out with the reason', async () => {
    const global: WeightTensor[] = [{ name: 'w', shape: [2], data: Float32Array.from([0, 0]) }];
    const combined = await combineRound([update('a', 1, [1, 2]), update('b', 3, [3, 6]), update('c', 1, [1, 2, 3])], global, new FedAvg({}, { engine }));
    expect(Array.from(combined.weights![0]!.data)).toEqual([2.5, 5]);
    expect(combined.totalSamples).toBe(4);
    expect(combined.rejected).toEqual([{ id: 'c', reason: 'tensor 0 has shape [3], the model\'s "w" has [2]' }]);
  });

  it('without a global model takes the shapes most updates have, with a worker\'s own names over positional ones', () => {
    const { fitting, rejected } = fitToModel([update('json', 1, [1, 2], [2], false), update('odd', 1, [1]), update('bin', 1, [3, 4], [2], true)], undefined);
    expect(fitting.map((u) => [u.id, u.weights[0]!.name])).toEqual([
      ['json', 'w'],
      ['bin', 'w'],
    ]);
    expect(rejected[0]).toMatchObject({ id: 'odd' });
  });

  it('reports what Krum selected, and sample-weighted metrics', async () => {
    const combined = await combineRound([update('a', 1, [1]), update('b', 1, [1.1]), update('c', 1, [0.9]), update('evil', 1, [100])], undefined, new Krum({ num_malicious_clients: '1' }, { engine }));
    expect(combined.used.map((u) => u.id)).toEqual(['a']);
    expect(weightedMetric([update('a', 1, [0], [1], true, { loss: 1 }), update('b', 3, [0], [1], true, { loss: 3 }), update('c', 5, [0])], 'loss')).toBe(2.5);
    expect(weightedMetric([update('c', 5, [0])], 'accuracy')).toBeUndefined();
  });
});
