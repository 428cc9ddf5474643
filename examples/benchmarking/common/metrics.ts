/** The examples' user metrics, registered as Ianvs's metric files register theirs: `metric(yTrue, yPred)`. */
import { ClassFactory, ClassType } from '@sedna/lib/common';

export function accuracy(yTrue: Int32Array, yPred: Int32Array): number {
  let right = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) right++;
  return Math.round((right / Math.max(1, yTrue.length)) * 10_000) / 10_000;
}

/** Macro-averaged F1 over the classes present in the labels or the predictions. */
export function f1_score(yTrue: Int32Array, yPred: Int32Array): number {
  const classes = new Set([...yTrue, ...yPred]);
  let sum = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < yTrue.length; i++) {
      if (yPred[i] === c && yTrue[i] === c) tp++;
      else if (yPred[i] === c) fp++;
      else if (yTrue[i] === c) fn++;
    }
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return Math.round((sum / Math.max(1, classes.size)) * 10_000) / 10_000;
}

ClassFactory.register(ClassType.GENERAL, 'accuracy')(accuracy);
ClassFactory.register(ClassType.GENERAL, 'f1_score')(f1_score);
