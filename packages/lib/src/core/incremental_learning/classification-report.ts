/**
 * Per-class metrics of a classifier on labelled data: accuracy plus precision and recall lists (one value per
 * class), the list form the original's deploy triggers read (`precision_delta[0]`, or `precision_delta` for
 * every class).
 */
import type { Estimator, Labels, Tensor } from '../estimator.js';

export interface ClassificationReport {
  [metric: string]: number | number[];
  accuracy: number;
  /** Per class: correct predictions of the class / predictions of the class (0 when it was never predicted). */
  precision: number[];
  /** Per class: correct predictions of the class / samples of the class (0 when it has no samples). */
  recall: number[];
}

/** The report of predictions `[n, classes]` (probabilities or logits) against integer labels. */
export function classificationReport(predictions: Tensor, labels: Labels): ClassificationReport {
  const n = predictions.shape[0] ?? 0;
  const classes = predictions.shape[1] ?? 0;
  if (predictions.shape.length !== 2 || classes < 1) throw new RangeError(`predictions must be [samples, classes]; got [${predictions.shape.join(', ')}]`);
  if (labels.length !== n) throw new RangeError(`${labels.length} labels for ${n} predictions`);
  const predicted = new Array<number>(classes).fill(0);
  const actual = new Array<number>(classes).fill(0);
  const hits = new Array<number>(classes).fill(0);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const label = Number(labels[i]);
    if (!Number.isInteger(label) || label < 0 || label >= classes) throw new RangeError(`label ${labels[i]} of sample ${i} is not a class of 0..${classes - 1}`);
    const guess = argmax(predictions.data, i * classes, classes);
    predicted[guess] = (predicted[guess] ?? 0) + 1;
    actual[label] = (actual[label] ?? 0) + 1;
    if (guess === label) {
      correct++;
      hits[label] = (hits[label] ?? 0) + 1;
    }
  }
  const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
  return {
    accuracy: ratio(correct, n),
    precision: hits.map((h, c) => ratio(h, predicted[c] ?? 0)),
    recall: hits.map((h, c) => ratio(h, actual[c] ?? 0)),
  };
}

/** Predicts `x` with `estimator` and reports against `y`. */
export async function evaluateClassifier(estimator: Estimator, x: Tensor, y: Labels): Promise<ClassificationReport> {
  return classificationReport(await estimator.predict(x), y);
}

/** Index of the largest of `width` values from `offset`. */
export function argmax(data: ArrayLike<number>, offset: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if ((data[offset + j] as number) > (data[offset + best] as number)) best = j;
  return best;
}
