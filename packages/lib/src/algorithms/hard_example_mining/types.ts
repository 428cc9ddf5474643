/**
 * Hard example mining decides, per inference result, whether a sample is "hard": joint inference sends hard
 * samples to the cloud model, incremental learning keeps them for retraining.
 */

/** One detected object: [xmin, ymin, xmax, ymax, score, label, ...]; the score is at index 4. */
export type BoundingBox = ArrayLike<number>;

/** A detector's result for one image. */
export type DetectionResult = ArrayLike<BoundingBox>;

/** A classifier's result for one sample: one probability per class. */
export type ClassProbabilities = ArrayLike<number>;

export interface HardExampleMining<Input = unknown> {
  /** The registry name (`Threshold`, `IBT`, ...). */
  readonly name: string;
  /** True when the sample behind `inferResult` is hard. */
  isHard(inferResult: Input): boolean;
}

/** Index of the confidence score inside a bounding box. */
export const SCORE_INDEX = 4;

/** Throws on input that is not a list at all (a programming error, not a "not hard" answer). */
export function requireArrayLike(value: unknown, filter: string, what: string): asserts value is ArrayLike<unknown> {
  const isArrayLike =
    Array.isArray(value) || ArrayBuffer.isView(value) || (typeof value === 'object' && value !== null && typeof (value as { length?: unknown }).length === 'number');
  if (!isArrayLike) throw new TypeError(`hard example mining "${filter}": expected ${what}, got ${value === null ? 'null' : typeof value}`);
}

/**
 * The boxes of a detection result, or undefined when the original would answer "not hard" without looking
 * further: no boxes, or a box with no score (4 fields or fewer).
 */
export function boxesWithScores(inferResult: unknown, filter: string): BoundingBox[] | undefined {
  requireArrayLike(inferResult, filter, 'a list of bounding boxes [xmin, ymin, xmax, ymax, score, ...]');
  if (inferResult.length === 0) return undefined;
  const boxes: BoundingBox[] = [];
  for (let index = 0; index < inferResult.length; index++) {
    const box = inferResult[index];
    requireArrayLike(box, filter, `bounding box ${index} to be a list of numbers`);
    if (box.length <= SCORE_INDEX) return undefined;
    boxes.push(box as BoundingBox);
  }
  return boxes;
}
