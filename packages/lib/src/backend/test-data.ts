/**
 * Small synthetic classification sets for the backend tests (no dataset files needed): each class has its own
 * random prototype, and samples are noisy copies of it, so every model here can learn them in a few epochs.
 */
import type { Tensor } from '../core/estimator.js';
import { seededRandom } from './batch.js';

export interface SyntheticSet {
  x: Tensor;
  y: Int32Array;
}

export function syntheticClasses(n: number, featureShape: readonly number[], classes: number, seed = 1, noise = 0.3): SyntheticSet {
  const random = seededRandom(seed);
  const size = featureShape.reduce((a, b) => a * b, 1);
  const prototypes = Array.from({ length: classes }, () => Float32Array.from({ length: size }, () => random()));
  const data = new Float32Array(n * size);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    y[i] = c;
    const p = prototypes[c] as Float32Array;
    for (let j = 0; j < size; j++) data[i * size + j] = (p[j] as number) + noise * (random() - 0.5);
  }
  return { x: { data, shape: [n, ...featureShape] }, y };
}

/** Uniform random inputs in [0, 1), for comparing two runtimes on the same model. */
export function randomInputs(n: number, featureShape: readonly number[], seed = 7): Tensor {
  const random = seededRandom(seed);
  const size = featureShape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n * size }, () => random()), shape: [n, ...featureShape] };
}
