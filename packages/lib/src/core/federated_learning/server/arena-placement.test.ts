import { describe, expect, it } from 'vitest';
import { WeightArena } from '../../../algorithms/aggregation/weighted-sum/arena.js';
import type { WeightTensor } from '../../estimator.js';
import { ArenaPlacement } from './arena-placement.js';
import { OpenRound, type AcceptedUpdate } from './open-round.js';

/** Tensors whose data starts `shift` floats into its buffer, as weights read in place in a wire frame do. */
function tensors(values: readonly number[][], shift = 3): WeightTensor[] {
  return values.map((data, index) => {
    const backing = new Float32Array(data.length + shift);
    backing.set(data, shift);
    return { name: `t${index}`, shape: [data.length], data: backing.subarray(shift) };
  });
}

function update(id: string, weights: WeightTensor[]): AcceptedUpdate {
  return { id, numSamples: 10, weights, metrics: undefined, named: true };
}

describe('ArenaPlacement in an open round', () => {
  it('copies accepted weights into the arena on arrival and gives the memory back when the round is done', () => {
    const arena = new WeightArena();
    const round = new OpenRound(1, new ArenaPlacement(arena));
    const sent = tensors([[1, 2, 3], [4, 5]]);
    round.answer('a', { kind: 'accepted', update: update('a', sent) }, 20);
    round.answer('b', { kind: 'rejected', reason: 'not usable' }, 20);
    const [accepted] = round.accepted();
    expect(accepted!.weights.map((tensor) => tensor.name)).toEqual(['t0', 't1']);
    for (const [index, tensor] of accepted!.weights.entries()) {
      expect(arena.contains(tensor.data)).toBe(true);
      expect(Array.from(tensor.data)).toEqual(Array.from(sent[index]!.data));
      // The copy keeps the source's address modulo 64, so that copying runs word by word.
      expect(tensor.data.byteOffset % 64).toBe(sent[index]!.data.byteOffset % 64);
    }
    expect(arena.allocatedBytes).toBeGreaterThan(0);
    round.releaseInputs();
    expect(arena.allocatedBytes).toBe(0);
    // Nobody reads released memory by mistake: the update has no weights any more.
    expect(round.accepted()[0]!.weights).toEqual([]);
    round.releaseInputs(); // twice is harmless
    expect(arena.allocatedBytes).toBe(0);
  });

  it("releases a worker's earlier update when a newer one replaces it, or a refusal does", () => {
    const arena = new WeightArena();
    const round = new OpenRound(1, new ArenaPlacement(arena));
    round.answer('a', { kind: 'accepted', update: update('a', tensors([[1, 2, 3, 4]])) }, 16);
    const one = arena.allocatedBytes;
    round.answer('a', { kind: 'accepted', update: update('a', tensors([[5, 6, 7, 8]])) }, 16);
    expect(arena.allocatedBytes).toBe(one);
    expect(Array.from(round.accepted()[0]!.weights[0]!.data)).toEqual([5, 6, 7, 8]);
    round.answer('a', { kind: 'rejected', reason: 'NaN' }, 16);
    expect(arena.allocatedBytes).toBe(0);
  });

  it('leaves weights where they are when the arena cannot take them, and only releases what it placed', () => {
    const arena = new WeightArena();
    const placement = new ArenaPlacement(arena);
    const taken = arena.allocate(16);
    const huge = { name: 'huge', shape: [1], data: { length: 2 ** 31, byteOffset: 0 } as unknown as Float32Array };
    const weights = [huge];
    expect(placement.place(weights)[0]).toBe(huge);
    placement.release([{ name: 'mine', shape: [16], data: taken }]); // not placed by it: left alone
    expect(arena.allocatedBytes).toBeGreaterThan(0);
    arena.release(taken);
    expect(arena.allocatedBytes).toBe(0);
  });
});
