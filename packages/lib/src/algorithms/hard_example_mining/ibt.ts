import { ParamReader, type AlgorithmParams } from '../params.js';
import { SCORE_INDEX, boxesWithScores, type DetectionResult, type HardExampleMining } from './types.js';

/**
 * Object detection, "IBT" (image and box thresholds): the hard coefficient is the share of boxes whose score
 * is at most `threshold_box` (inclusive, as the original's code, although its doc says "less than"), and the
 * image is hard when that share is at least `1 - threshold_img`. So a larger `threshold_img` marks more images
 * hard: with 0.9, one low-score box in ten is enough.
 * Not hard: no boxes, a box without a score, or any score outside [0, 1].
 */
export class IBTFilter implements HardExampleMining<DetectionResult> {
  readonly name = 'IBT';
  /** Parameter `threshold_img`, default 0.5, in [0, 1]. */
  readonly thresholdImg: number;
  /** Parameter `threshold_box`, default 0.5, in [0, 1]. */
  readonly thresholdBox: number;

  constructor(param: AlgorithmParams = {}) {
    const read = new ParamReader('hard example mining "IBT"', param, ['threshold_img', 'threshold_box']);
    this.thresholdImg = read.number('threshold_img', 0.5, { min: 0, max: 1 });
    this.thresholdBox = read.number('threshold_box', 0.5, { min: 0, max: 1 });
  }

  isHard(inferResult: DetectionResult): boolean {
    const boxes = boxesWithScores(inferResult, this.name);
    if (boxes === undefined) return false;
    let lowScoreBoxes = 0;
    for (const box of boxes) {
      const score = Number(box[SCORE_INDEX]);
      if (!(score >= 0 && score <= 1)) return false;
      if (score <= this.thresholdBox) lowScoreBoxes++;
    }
    return lowScoreBoxes / boxes.length >= 1 - this.thresholdImg;
  }
}
