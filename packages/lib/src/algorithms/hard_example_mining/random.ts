import type { RandomSource } from '../../common/random.js';
import { ParamReader, type AlgorithmParams } from '../params.js';
import type { HardExampleMining } from './types.js';

export interface RandomFilterOptions {
  /** Where the draws come from (default Math.random); pass `seededRandom(seed)` for repeatable runs. */
  random?: RandomSource;
}

/**
 * Any input: a sample is hard with probability `random_ratio` (a uniform draw below the ratio). The original
 * did not convert the ratio from text, so a CRD value such as "0.3" compared as a string; here it is parsed.
 */
export class RandomFilter implements HardExampleMining {
  readonly name = 'Random';
  /** Parameter `random_ratio`, default 0.3, in [0, 1]. */
  readonly randomRatio: number;
  private readonly random: RandomSource;

  constructor(param: AlgorithmParams = {}, options: RandomFilterOptions = {}) {
    const read = new ParamReader('hard example mining "Random"', param, ['random_ratio']);
    this.randomRatio = read.number('random_ratio', 0.3, { min: 0, max: 1 });
    this.random = options.random ?? Math.random;
  }

  isHard(_inferResult?: unknown): boolean {
    return this.random() < this.randomRatio;
  }
}
