/**
 * Checks and helpers for the Tensor/Labels inputs of the Estimator contract, shared by every backend.
 */
import type { Labels, Tensor } from '../core/estimator.js';
import { sizeOf } from './model-spec.js';

/** Checks x and returns the number of samples; `featureShape` (when known) must match the per-sample size. */
export function checkBatch(x: Tensor, featureShape?: readonly number[], field = 'x'): number {
  if (!(x.data instanceof Float32Array)) throw new TypeError(`${field}.data must be a Float32Array`);
  if (!Array.isArray(x.shape) || x.shape.length < 1 || !x.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`${field}.shape must be an array of non-negative integers [n, ...features]`);
  }
  const n = x.shape[0] as number;
  const perSample = sizeOf(x.shape.slice(1));
  if (x.data.length !== n * perSample) {
    throw new RangeError(`${field}.data has ${x.data.length} values but ${field}.shape [${x.shape.join(', ')}] needs ${n * perSample}`);
  }
  if (featureShape !== undefined && n > 0 && perSample !== sizeOf(featureShape)) {
    throw new RangeError(
      `${field}.shape [${x.shape.join(', ')}] has ${perSample} values per sample; the model takes [${featureShape.join(', ')}] (${sizeOf(featureShape)})`,
    );
  }
  return n;
}

/** Checks labels against the sample count and class count; returns them as an Int32Array. */
export function checkLabels(y: Labels, n: number, classes: number, field = 'y'): Int32Array {
  if (y.length !== n) throw new RangeError(`${field} has ${y.length} labels for ${n} samples`);
  const out = y instanceof Int32Array ? y : Int32Array.from(y);
  for (let i = 0; i < out.length; i++) {
    const v = out[i] as number;
    if (!(v >= 0 && v < classes) || (y as ArrayLike<number>)[i] !== v) {
      throw new RangeError(`${field}[${i}] = ${String((y as ArrayLike<number>)[i])} is not a class index in [0, ${classes})`);
    }
  }
  return out;
}

export function argmaxRow(data: Float32Array, row: number, width: number): number {
  let best = 0;
  let bestValue = -Infinity;
  const base = row * width;
  for (let j = 0; j < width; j++) {
    const v = data[base + j] as number;
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}

/** How the model's outputs are read by the loss. */
export type OutputKind = 'probabilities' | 'logits';

/**
 * Mean cross-entropy and accuracy of outputs [n, classes] against labels. Probabilities are clipped to
 * [1e-7, 1] as Keras does; logits go through a stable log-softmax.
 */
export function classificationMetrics(out: Float32Array, classes: number, y: Int32Array, kind: OutputKind): { loss: number; accuracy: number } {
  const n = y.length;
  if (n === 0) return { loss: 0, accuracy: 0 };
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const label = y[i] as number;
    const base = i * classes;
    if (kind === 'probabilities') {
      loss -= Math.log(Math.min(1, Math.max(1e-7, out[base + label] as number)));
    } else {
      let max = -Infinity;
      for (let j = 0; j < classes; j++) max = Math.max(max, out[base + j] as number);
      let sum = 0;
      for (let j = 0; j < classes; j++) sum += Math.exp((out[base + j] as number) - max);
      loss -= (out[base + label] as number) - max - Math.log(sum);
    }
    if (argmaxRow(out, i, classes) === label) correct++;
  }
  return { loss: loss / n, accuracy: correct / n };
}

/** Rows [start, end) of a batch, as a view when possible. */
export function sliceRows(x: Tensor, start: number, end: number): Tensor {
  const perSample = sizeOf(x.shape.slice(1));
  return { data: x.data.subarray(start * perSample, end * perSample), shape: [end - start, ...x.shape.slice(1)] };
}

/** A seeded PRNG (mulberry32): reproducible shuffles and initialisation when a seed is given. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates permutation of 0..n-1. */
export function shuffledIndices(n: number, random: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}

/** Lets the event loop run (timers, sockets) during a long training loop. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
