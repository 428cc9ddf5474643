import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../batch.js';
import { useEngine } from './engine.js';

const random = seededRandom(11);
const values = (shape: readonly number[]): Float32Array => Float32Array.from({ length: shape.reduce((a: number, b: number) => a * b, 1) }, () => random() - 0.5);

/** Runs f on both backends with the same inputs and compares the outputs. */
async function sameOnBothBackends(f: () => tf.Tensor | tf.Tensor[], tol = 1e-4): Promise<void> {
  const results: Float32Array[][] = [];
  for (const engine of ['cpu', 'wasm'] as const) {
    await useEngine(engine);
    results.push(tf.tidy(() => [f()].flat().map((t) => t.dataSync() as Float32Array)));
  }
  const [cpu, wasm] = results as [Float32Array[], Float32Array[]];
  expect(wasm.length).toBe(cpu.length);
  cpu.forEach((want, i) => {
    const got = wasm[i] as Float32Array;
    expect(got.length).toBe(want.length);
    let worst = 0;
    for (let j = 0; j < got.length; j++) {
      const d = Math.abs((got[j] as number) - (want[j] as number));
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
    }
    expect(worst).toBeLessThan(tol);
  });
}

describe('wasm kernel overrides', () => {
  it.each([
    [false, false, [5, 7], [7, 9]],
    [true, false, [7, 5], [7, 9]],
    [false, true, [5, 7], [9, 7]],
    [true, true, [1, 7, 5], [1, 9, 7]],
    [false, false, [2, 3, 4], [2, 4, 5]], // batched: goes to tfjs's own kernel
  ] as const)('BatchMatMul transposeA=%s transposeB=%s %j x %j', async (ta, tb, sa, sb) => {
    const [a, b] = [values(sa), values(sb)];
    await sameOnBothBackends(() => tf.matMul(tf.tensor(a, [...sa]), tf.tensor(b, [...sb]), ta, tb));
  });

  it.each([
    [[2, 8, 7, 3], [3, 3, 3, 4], 1, 'valid'],
    [[2, 9, 8, 2], [3, 2, 2, 5], 2, 'same'],
    [[1, 6, 6, 4], [5, 5, 4, 3], 1, 'same'],
  ] as const)('Conv2DBackpropInput: x %j, w %j, stride %i, %s', async (xShape, wShape, stride, pad) => {
    const [x, w] = [values(xShape), values(wShape)];
    await sameOnBothBackends(() => {
      const grad = tf.grad((input: tf.Tensor) => tf.conv2d(input as tf.Tensor4D, tf.tensor4d(w, [...wShape] as [number, number, number, number]), stride, pad).square().sum());
      return grad(tf.tensor4d(x, [...xShape] as [number, number, number, number]));
    });
  });

  it.each([
    [[2, 6, 6, 3], 2, 2, 'valid'],
    [[1, 7, 5, 2], 3, 2, 'same'],
    [[2, 5, 5, 1], 2, 1, 'valid'],
    [[2, 7, 6, 8], 2, 2, 'valid'], // channels a multiple of 4: the SIMD argmax
    [[1, 5, 7, 4], 3, 2, 'same'],
  ] as const)('MaxPoolGrad: x %j, pool %i, stride %i, %s', async (xShape, pool, stride, pad) => {
    const x = values(xShape);
    await sameOnBothBackends(() => {
      const grad = tf.grad((input: tf.Tensor) => tf.maxPool(input as tf.Tensor4D, pool, stride, pad).mul(tf.range(1, 1 + tf.maxPool(input as tf.Tensor4D, pool, stride, pad).size).reshape(tf.maxPool(input as tf.Tensor4D, pool, stride, pad).shape)).sum());
      return grad(tf.tensor4d(x, [...xShape] as [number, number, number, number]));
    });
  });
});

describe('MaxPoolGrad ties', () => {
  it.each([1, 8])('routes dy to the first maximum when a window holds equal values (%i channels)', async (channels) => {
    const shape = [2, 6, 6, channels] as [number, number, number, number];
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.round(random() * 2) / 2); // many ties
    await sameOnBothBackends(() => {
      const grad = tf.grad((input: tf.Tensor) => tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid').sum());
      return grad(tf.tensor4d(x, shape));
    });
  });
});

describe('heap growth', () => {
  it('MaxPoolGrad stays right when its output grows the wasm heap (views taken after makeOutput)', async () => {
    const shape = [1, 1000, 1000, 4] as [number, number, number, number]; // 16 MB in, 16 MB out: past the initial heap
    const x = values(shape);
    await sameOnBothBackends(() => tf.grad((input: tf.Tensor) => tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid').sum())(tf.tensor4d(x, shape)));
  });
});
