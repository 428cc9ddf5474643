import { ParamReader, type AlgorithmParams } from '../params.js';
import { SCORE_INDEX, boxesWithScores, type DetectionResult, type HardExampleMining } from './types.js';

/**
 * Object detection: an image is hard when the mean score of its boxes is below `threshold` (strictly).
 * No boxes, or a box without a score, is not hard. Scores are not range-checked (as in the original).
 */
export class ThresholdFilter implements HardExampleMining<DetectionResult> {
  readonly name = 'Threshold';
  /** Parameter `threshold`, default 0.5, in [0, 1]. */
  readonly threshold: number;

  constructor(param: AlgorithmParams = {}) {
    const read = new ParamReader('hard example mining "Threshold"', param, ['threshold']);
    this.threshold = read.number('threshold', 0.5, { min: 0, max: 1 });
  }

  isHard(inferResult: DetectionResult): boolean {
    const boxes = boxesWithScores(inferResult, this.name);
    if (boxes === undefined) return false;
    let total = 0;
    for (const box of boxes) total += Number(box[SCORE_INDEX]);
    return total / boxes.length < this.threshold;
  }
}
