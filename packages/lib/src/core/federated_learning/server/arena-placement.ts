/**
 * Puts each accepted update's weights into the aggregation strategy's arena as the update arrives, so that the
 * round reads them in place (the SIMD engine reads wasm memory only; weights left in the websocket message would
 * be staged chunk by chunk in the round instead). Rounds of a real job are seconds apart and workers answer one
 * by one, so the copy happens while the server waits for the others, not when the round is aggregated.
 *
 * The arena memory is the server's to give back: the open round releases an update's copy when a newer update
 * of the same worker replaces it and when the round has been aggregated (open-round.ts). Memory does not grow
 * from this: the engine used to copy the same inputs into the same arena in the round.
 */
import type { WeightArena } from '../../../algorithms/aggregation/weighted-sum/arena.js';
import type { WeightTensor } from '../../estimator.js';
import type { UpdatePlacement } from './open-round.js';

export class ArenaPlacement implements UpdatePlacement {
  /** The arrays this placement put into the arena: only these are released. */
  private readonly placed = new WeakSet<Float32Array>();

  constructor(private readonly arena: WeightArena) {}

  /**
   * The same tensors with their data copied into the arena. When the arena cannot grow (wasm32 memory ends at
   * 4 GiB), the tensors stay where they are: the engine then stages them in the round, slower but correct.
   */
  place(weights: readonly WeightTensor[]): WeightTensor[] {
    const copies: Float32Array[] = [];
    try {
      for (const tensor of weights) copies.push(this.arena.adopt(tensor.data));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      for (const copy of copies) this.arena.release(copy);
      return [...weights];
    }
    for (const copy of copies) this.placed.add(copy);
    return weights.map((tensor, index) => ({ ...tensor, data: copies[index]! }));
  }

  /** Gives back the arena memory of tensors `place` returned (others are left alone). */
  release(weights: readonly WeightTensor[]): void {
    for (const tensor of weights) {
      if (!this.placed.has(tensor.data)) continue;
      this.placed.delete(tensor.data);
      this.arena.release(tensor.data);
    }
  }
}
