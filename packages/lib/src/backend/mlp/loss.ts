/**
 * Softmax cross-entropy of a batch and its gradient, the loss every backend trains with: on probabilities when
 * the last layer is softmax, otherwise on the outputs taken as logits.
 */

/**
 * Mean loss over the batch and the number of correct predictions; writes the gradient to d. With a softmax last
 * layer (`probabilities`), d is the gradient at the softmax's input, (p - onehot) / n, which that layer passes on
 * unchanged; otherwise d is the gradient at the outputs o, (softmax(o) - onehot) / n, and the last layer's own
 * activation derivative follows.
 */
export function softmaxCrossEntropy(
  out: Float32Array,
  y: Int32Array,
  indices: Int32Array,
  classes: number,
  kind: 'probabilities' | 'logits',
  d: Float32Array,
): { loss: number; correct: number } {
  const rows = indices.length;
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const label = y[indices[r] as number] as number;
    const base = r * classes;
    let best = 0;
    for (let j = 1; j < classes; j++) if ((out[base + j] as number) > (out[base + best] as number)) best = j;
    if (best === label) correct++;
    if (kind === 'probabilities') {
      loss -= Math.log(Math.min(1, Math.max(1e-7, out[base + label] as number)));
      for (let j = 0; j < classes; j++) d[base + j] = ((out[base + j] as number) - (j === label ? 1 : 0)) / rows;
      continue;
    }
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, out[base + j] as number);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp((out[base + j] as number) - max);
    loss -= (out[base + label] as number) - max - Math.log(sum);
    for (let j = 0; j < classes; j++) d[base + j] = (Math.exp((out[base + j] as number) - max) / sum - (j === label ? 1 : 0)) / rows;
  }
  return { loss: loss / rows, correct };
}
