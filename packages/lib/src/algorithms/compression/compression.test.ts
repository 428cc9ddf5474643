import { describe, expect, it } from 'vitest';
import type { WeightTensor } from '../../core/estimator.js';
import { seededRandom } from '../../common/random.js';
import { WeightArena } from '../aggregation/weighted-sum/arena.js';
import {
  FLOAT16_MAX,
  Float16Codec,
  Float32Codec,
  Int8LinearCodec,
  TopKCodec,
  codecOf,
  createCodec,
  decodeWeights,
  fromFloat16Bits,
  largestMagnitudes,
  registerCompression,
  roundTripError,
  toFloat16Bits,
} from './index.js';

const tensor = (name: string, shape: number[], values: ArrayLike<number>): WeightTensor => ({ name, shape, data: Float32Array.from(values) });

function model(seed: number): WeightTensor[] {
  const random = seededRandom(seed);
  const uniform = (n: number, scale: number): number[] => Array.from({ length: n }, () => (random() * 2 - 1) * scale);
  return [tensor('dense/kernel', [30, 20], uniform(600, 0.1)), tensor('dense/bias', [20], uniform(20, 0.01)), tensor('scalar', [], [3.5]), tensor('empty', [0, 4], [])];
}

describe('float16 bits', () => {
  it('encodes exact values and special cases (hand-checked bit patterns)', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(0.5)).toBe(0x3800);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toFloat16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(toFloat16Bits(0)).toBe(0);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(toFloat16Bits(1e6)).toBe(0x7c00);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(Number.NaN)))).toBe(true);
  });

  it('rounds to nearest, ties to even', () => {
    // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties to the even mantissa (1).
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3·2^-11 lies halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even).
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    // 2^-25 is halfway between 0 and the smallest subnormal: ties to 0; a bit more rounds up.
    expect(toFloat16Bits(2 ** -25)).toBe(0);
    expect(toFloat16Bits(2 ** -25 * 1.5)).toBe(1);
  });

  it('decodes every bit pattern back to itself', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const value = fromFloat16Bits(bits);
      if (!Number.isNaN(value) && toFloat16Bits(value) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('codecs', () => {
  const weights = model(1);

  it('Float32 round-trips exactly and keeps names and shapes', () => {
    const bytes = new Float32Codec().encode(weights);
    expect(codecOf(bytes)).toBe('Float32');
    const decoded = decodeWeights(bytes);
    expect(decoded.map((t) => [t.name, t.shape])).toEqual(weights.map((t) => [t.name, t.shape]));
    expect(roundTripError(weights, decoded).maxAbs).toBe(0);
  });

  it('Float16 halves the payload with relative error <= 2^-11', () => {
    const f32 = new Float32Codec().encode(weights).length;
    const bytes = new Float16Codec().encode(weights);
    expect(bytes.length).toBeLessThan(f32 * 0.55);
    const decoded = decodeWeights(bytes);
    weights.forEach((t, index) => {
      t.data.forEach((value, position) => {
        expect(Math.abs(decoded[index]!.data[position]! - value)).toBeLessThanOrEqual(Math.abs(value) * 2 ** -11 + 2 ** -25);
      });
    });
  });

  it('Int8Linear quarters the payload with error <= scale/2 per tensor', () => {
    const bytes = new Int8LinearCodec().encode(weights);
    expect(bytes.length).toBeLessThan(new Float32Codec().encode(weights).length * 0.3);
    const decoded = decodeWeights(bytes);
    weights.forEach((t, index) => {
      if (t.data.length === 0) return;
      const scale = (Math.max(...t.data) - Math.min(...t.data)) / 255;
      expect(roundTripError([t], [decoded[index]!]).maxAbs).toBeLessThanOrEqual(scale / 2 + 1e-7);
    });
    // hand-checked: [0, 1, 2.55] → offset 0, scale 0.01; 1 → code 100 → 1.0
    const small = decodeWeights(new Int8LinearCodec().encode([tensor('t', [3], [0, 1, 2.55])]));
    expect(Array.from(small[0]!.data).map((x) => Number(x.toFixed(5)))).toEqual([0, 1, 2.55]);
    const constant = decodeWeights(new Int8LinearCodec().encode([tensor('c', [3], [7, 7, 7])]));
    expect(Array.from(constant[0]!.data)).toEqual([7, 7, 7]);
  });

  it('TopK keeps the largest magnitudes and zeroes the rest', () => {
    const update = [tensor('u', [8], [0.1, -5, 0.2, 3, -0.3, 0, 4, -1])];
    const decoded = decodeWeights(new TopKCodec({ ratio: '0.375' }).encode(update)); // ceil(3) = 3 kept
    expect(Array.from(decoded[0]!.data)).toEqual([0, -5, 0, 3, 0, 0, 4, 0]);
    expect(Array.from(largestMagnitudes(Float32Array.of(1, 1, 1, 1), 2))).toEqual([0, 1]); // ties in index order
    expect(new TopKCodec().keptCount(1000)).toBe(10);
    expect(new TopKCodec().keptCount(5)).toBe(1);
    const random = seededRandom(3);
    const big = Float32Array.from({ length: 10000 }, () => random() - 0.5);
    const kept = largestMagnitudes(big, 100);
    const threshold = Math.min(...Array.from(kept, (index) => Math.abs(big[index]!)));
    expect(big.filter((value) => Math.abs(value) > threshold).length).toBeLessThan(100);
  });

  it('refuses NaN, infinity and values beyond the float16 range, naming the tensor', () => {
    const bad = [tensor('ok', [1], [1]), tensor('layer2', [2], [1, Number.NaN])];
    for (const codec of [new Float32Codec(), new Float16Codec(), new Int8LinearCodec(), new TopKCodec()]) {
      expect(() => codec.encode(bad)).toThrow(/tensor 1 \("layer2"\) has NaN at flat index 1/);
    }
    expect(() => new Float16Codec().encode([tensor('big', [1], [FLOAT16_MAX * 2])])).toThrow(/"big"\) has 131008 is beyond the float16 range/);
    expect(() => new Float32Codec().encode([tensor('wrong', [3], [1, 2])])).toThrow(/"wrong"\) has shape \[3\] but 2 values/);
  });

  it('reports bad or truncated bytes clearly', () => {
    const bytes = new Int8LinearCodec().encode(weights);
    expect(() => decodeWeights(bytes.subarray(0, bytes.length - 10))).toThrow(/truncated|remain/);
    expect(() => decodeWeights(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12))).toThrow(/bad magic/);
    const wrongCodec = bytes.slice();
    wrongCodec[4] = 99;
    expect(() => decodeWeights(wrongCodec)).toThrow(/unknown codec id 99/);
    const trailing = new Uint8Array(bytes.length + 4);
    trailing.set(bytes);
    expect(() => decodeWeights(trailing)).toThrow(/4 unexpected bytes/);
  });

  it('decodes from unaligned buffers and into a caller-provided allocator', () => {
    const bytes = new Float16Codec().encode(weights);
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect(roundTripError(decodeWeights(bytes), decodeWeights(shifted)).maxAbs).toBe(0);
    const arena = new WeightArena();
    const decoded = decodeWeights(bytes, (length) => arena.allocate(length, false));
    expect(decoded.every((t) => arena.contains(t.data))).toBe(true);
  });

  it('measures round-trip error as max abs and RMS', () => {
    const error = roundTripError([tensor('a', [2], [1, 2])], [tensor('a', [2], [1.5, 2])]);
    expect(error.maxAbs).toBe(0.5);
    expect(error.rms).toBeCloseTo(Math.sqrt(0.125), 12);
    expect(error.count).toBe(2);
  });

  it('registers the codecs', () => {
    registerCompression();
    expect(createCodec({ method: 'TopK', param: { ratio: '0.1' } })).toBeInstanceOf(TopKCodec);
  });
});
