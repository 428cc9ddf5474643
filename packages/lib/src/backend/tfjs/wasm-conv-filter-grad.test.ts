import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../batch.js';
import { useEngine } from './engine.js';

/** Gradient of sum(conv2d(x, w) * r) with respect to w, on the given tfjs backend. */
async function filterGradient(engine: 'cpu' | 'wasm', xs: Float32Array, xShape: number[], ws: Float32Array, wShape: number[], strides: number, pad: 'valid' | 'same'): Promise<Float32Array> {
  await useEngine(engine);
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, xShape as [number, number, number, number]);
    const w = tf.tensor4d(ws, wShape as [number, number, number, number]);
    const grad = tf.grad((filter: tf.Tensor) => tf.conv2d(x, filter as tf.Tensor4D, strides, pad).square().sum());
    return grad(w).dataSync() as Float32Array;
  });
}

describe('wasm Conv2DBackpropFilter', () => {
  it('is registered, so the wasm backend can train convolutions', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it.each([
    [[2, 7, 6, 3], [3, 3, 3, 5], 1, 'valid'],
    [[2, 6, 7, 8], [3, 3, 8, 6], 2, 'same'], // channels a multiple of 4: the panel-wise im2col
    [[3, 9, 8, 2], [3, 2, 2, 4], 2, 'same'],
    [[1, 5, 5, 1], [5, 5, 1, 9], 1, 'same'],
  ] as const)('matches the cpu backend: x %j, w %j, stride %i, %s', async (xShape, wShape, strides, pad) => {
    const random = seededRandom(3);
    const xs = Float32Array.from({ length: xShape.reduce((a: number, b: number) => a * b, 1) }, () => random() - 0.5);
    const ws = Float32Array.from({ length: wShape.reduce((a: number, b: number) => a * b, 1) }, () => random() - 0.5);
    const want = await filterGradient('cpu', xs, [...xShape], ws, [...wShape], strides, pad);
    const got = await filterGradient('wasm', xs, [...xShape], ws, [...wShape], strides, pad);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThan(1e-4);
  });
});
