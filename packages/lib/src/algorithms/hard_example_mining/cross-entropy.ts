import { ParamReader, type AlgorithmParams } from '../params.js';
import { requireArrayLike, type ClassProbabilities, type HardExampleMining } from './types.js';

/**
 * Classification: the confidence is one minus the normalized entropy of the class probabilities,
 * `1 + Σ p·ln p / ln n` (1 for a one-hot answer, 0 for a uniform one), and the sample is hard when the
 * confidence is below `threshold_cross_entropy` (strictly).
 * Not hard: no probabilities, or any probability outside [0, 1] (the whole sample is rejected, as in the
 * original's code; its doc says such values are "ignored").
 *
 * Fixed on purpose: the original crashed on p = 0 (math domain error from ln 0) and on a single class
 * (division by ln 1 = 0). Here 0·ln 0 counts as 0 (its limit), and a single class gives confidence 1: one
 * possible answer is a certain one.
 */
export class CrossEntropyFilter implements HardExampleMining<ClassProbabilities> {
  readonly name = 'CrossEntropy';
  /** Parameter `threshold_cross_entropy`, default 0.5, in [0, 1]. */
  readonly thresholdCrossEntropy: number;

  constructor(param: AlgorithmParams = {}) {
    const read = new ParamReader('hard example mining "CrossEntropy"', param, ['threshold_cross_entropy']);
    this.thresholdCrossEntropy = read.number('threshold_cross_entropy', 0.5, { min: 0, max: 1 });
  }

  isHard(inferResult: ClassProbabilities): boolean {
    const confidence = this.confidence(inferResult);
    return confidence !== undefined && confidence < this.thresholdCrossEntropy;
  }

  /** The confidence in [0, 1], or undefined for input the filter does not judge. */
  confidence(probabilities: ClassProbabilities): number | undefined {
    requireArrayLike(probabilities, this.name, 'a list of class probabilities');
    const classes = probabilities.length;
    if (classes === 0) return undefined;
    let sumPLogP = 0;
    for (let index = 0; index < classes; index++) {
      const p = Number(probabilities[index]);
      if (!(p >= 0 && p <= 1)) return undefined;
      if (p > 0) sumPLogP += p * Math.log(p);
    }
    if (classes === 1) return 1;
    return 1 + sumPLogP / Math.log(classes);
  }
}
