import type { RandomSource } from '../../common/random.js';
import { ParamReader, type AlgorithmParams } from '../params.js';
import { checkUniqueIds, sampleWithoutReplacement } from './sampling.js';
import type { ClientChoose } from './types.js';

export interface ClientChooseOptions {
  /** Where the draws come from (default Math.random); `seededRandom(seed)` makes tests repeatable. */
  random?: RandomSource;
}

/**
 * The original's SimpleClientChoose(per_round=1). It only carried `per_round` to the Plato framework, whose
 * default selection draws that many clients at random; that policy is implemented here: a round needs
 * `per_round` connected clients and takes a uniform random sample of `per_round` of them.
 */
export class SimpleClientChoose implements ClientChoose {
  readonly name = 'SimpleClientChoose';
  /** Parameter `per_round` (default 1): clients per round. */
  readonly perRound: number;
  /** The configuration the original exposed. */
  readonly parameters: { readonly per_round: number };
  private readonly random: RandomSource;

  constructor(param: AlgorithmParams = {}, options: ClientChooseOptions = {}) {
    const read = new ParamReader('client choose "SimpleClientChoose"', param, ['per_round']);
    this.perRound = read.number('per_round', 1, { min: 1, integer: true });
    this.parameters = { per_round: this.perRound };
    this.random = options.random ?? Math.random;
  }

  get minAvailable(): number {
    return this.perRound;
  }

  choose(available: readonly string[]): string[] {
    checkUniqueIds(available, this.name);
    if (available.length < this.perRound) return [];
    return sampleWithoutReplacement(available, this.perRound, this.random);
  }
}
