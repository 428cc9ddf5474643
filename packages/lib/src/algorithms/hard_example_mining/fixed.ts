import { ParamReader, type AlgorithmParams } from '../params.js';
import type { HardExampleMining } from './types.js';

/** Every sample is hard: joint inference then always asks the cloud. */
export class CloudOnlyFilter implements HardExampleMining {
  readonly name = 'CloudOnly';

  constructor(param: AlgorithmParams = {}) {
    new ParamReader('hard example mining "CloudOnly"', param, []);
  }

  isHard(_inferResult?: unknown): boolean {
    return true;
  }
}

/** No sample is hard: joint inference then never asks the cloud. */
export class EdgeOnlyFilter implements HardExampleMining {
  readonly name = 'EdgeOnly';

  constructor(param: AlgorithmParams = {}) {
    new ParamReader('hard example mining "EdgeOnly"', param, []);
  }

  isHard(_inferResult?: unknown): boolean {
    return false;
  }
}
