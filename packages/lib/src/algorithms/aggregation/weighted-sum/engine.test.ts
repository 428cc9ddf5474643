import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../common/random.js';
import { WeightArena } from './arena.js';
import { WeightedSumEngine } from './engine.js';
import { weightedSumReference } from './reference.js';

function randomLayers(random: () => number, lengths: readonly number[]): Float32Array[] {
  return lengths.map((length) => Float32Array.from({ length }, () => random() - 0.5));
}

function maxDifference(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let max = 0;
  a.forEach((layer, index) => {
    for (let position = 0; position < layer.length; position++) max = Math.max(max, Math.abs(layer[position]! - b[index]![position]!));
  });
  return max;
}

// Small chunks and a low threshold force several chunks per layer, the JS tail, and the worker threads.
const threaded = new WeightedSumEngine({ threads: 2, chunkFloats: 64, minFloatsForThreads: 0 });
const single = new WeightedSumEngine({ threads: 1, chunkFloats: 32 });

afterAll(async () => {
  await threaded.dispose();
  await single.dispose();
});

describe('WeightedSumEngine', () => {
  it('computes a hand-checked weighted sum', async () => {
    const inputs = [[Float32Array.from({ length: 20 }, (_, i) => i)], [Float32Array.from({ length: 20 }, (_, i) => 100 + i)]];
    const { layers, nonFinite } = await single.weightedSum(inputs, [0.25, 0.75]);
    expect(nonFinite).toBe(false);
    expect(Array.from(layers[0]!)).toEqual(Array.from({ length: 20 }, (_, i) => 75 + i));
  });

  it('agrees with the plain-JS reference on odd layer sizes (inputs outside the arena: staged)', async () => {
    const random = seededRandom(1);
    const lengths = [1, 15, 0, 16, 17, 333, 1000, 4099, 0];
    const inputs = Array.from({ length: 7 }, () => randomLayers(random, lengths));
    const coefficients = [0.1, 0.2, 0.05, 0.15, 0.3, 0.1, 0.1];
    const reference = weightedSumReference(inputs, coefficients);
    for (const engine of [single, threaded]) {
      const result = await engine.weightedSum(inputs, coefficients);
      expect(result.layers.map((layer) => layer.length)).toEqual(lengths);
      expect(maxDifference(result.layers, reference.layers)).toBeLessThan(1e-6);
      expect(result.nonFinite).toBe(false);
    }
  });

  it('sums inputs that start at any multiple of 4 bytes of their buffer (weights read in place in wire frames)', async () => {
    const random = seededRandom(3);
    const lengths = [1000, 17, 4099];
    const plain = Array.from({ length: 4 }, () => randomLayers(random, lengths));
    const shifted = plain.map((layers, client) =>
      layers.map((layer, index) => {
        const shift = 1 + ((client * 5 + index * 3) % 16); // floats: byte offsets 4..64, mostly not 64-aligned
        const backing = new Float32Array(layer.length + shift);
        backing.set(layer, shift);
        return backing.subarray(shift);
      }),
    );
    const coefficients = [0.4, 0.3, 0.2, 0.1];
    const reference = weightedSumReference(plain, coefficients);
    for (const engine of [single, threaded]) {
      const before = engine.arena.allocatedBytes;
      const result = await engine.weightedSum(shifted, coefficients);
      expect(maxDifference(result.layers, reference.layers)).toBeLessThan(1e-6);
      expect(engine.arena.allocatedBytes).toBe(before); // the staging blocks were released
    }
  });

  it('reads inputs in place when they live in its arena', async () => {
    const random = seededRandom(2);
    const external = Array.from({ length: 3 }, () => randomLayers(random, [5000, 77]));
    const inArena = external.map((layers) => layers.map((layer) => threaded.arena.adopt(layer)));
    expect(threaded.arena.contains(inArena[0]![0]!)).toBe(true);
    const before = threaded.arena.allocatedBytes;
    const result = await threaded.weightedSum(inArena, [0.5, 0.25, 0.25]);
    expect(threaded.arena.allocatedBytes).toBe(before); // temporaries were released
    expect(maxDifference(result.layers, weightedSumReference(external, [0.5, 0.25, 0.25]).layers)).toBeLessThan(1e-6);
    for (const layers of inArena) for (const layer of layers) threaded.arena.release(layer);
  });

  it('stages inputs outside the arena chunk by chunk, bit for bit as when it reads them in place', async () => {
    const random = seededRandom(5);
    const lengths = [1, 15, 16, 17, 333, 1000, 4099];
    const outside = Array.from({ length: 5 }, () => randomLayers(random, lengths));
    const coefficients = [0.3, 0.1, 0.2, 0.25, 0.15];
    // 1 KiB of staging for 5 clients and the output: 32 floats a chunk, so layers take many chunks and end in a tail.
    const staged = new WeightedSumEngine({ threads: 1, stagingBytes: 1024 });
    const placed = outside.map((layers) => layers.map((layer) => threaded.arena.adopt(layer)));
    const someInArena = outside.map((layers, client) => (client % 2 === 0 ? layers : layers.map((layer) => staged.arena.adopt(layer))));
    try {
      const inPlace = await threaded.weightedSum(placed, coefficients);
      expect(maxDifference(inPlace.layers, weightedSumReference(outside, coefficients).layers)).toBeLessThan(1e-6);
      const before = staged.arena.allocatedBytes;
      for (const inputs of [outside, someInArena]) {
        const result = await staged.weightedSum(inputs, coefficients);
        result.layers.forEach((layer, index) => expect(Array.from(layer)).toEqual(Array.from(inPlace.layers[index]!)));
        expect(result.nonFinite).toBe(false);
        expect(staged.arena.allocatedBytes).toBe(before); // the staging blocks were released
      }
    } finally {
      for (const layers of placed) for (const layer of layers) threaded.arena.release(layer);
      await staged.dispose();
    }
  });

  it('flags NaN and infinite inputs, even with a zero coefficient', async () => {
    const clean = [Float32Array.from({ length: 100 }, () => 1)];
    const withNaN = [Float32Array.from({ length: 100 }, (_, i) => (i === 40 ? Number.NaN : 1))];
    const withInfinityInTail = [Float32Array.from({ length: 100 }, (_, i) => (i === 99 ? Number.POSITIVE_INFINITY : 1))];
    for (const engine of [single, threaded]) {
      expect((await engine.weightedSum([clean, withNaN], [0.5, 0.5])).nonFinite).toBe(true);
      expect((await engine.weightedSum([clean, withInfinityInTail], [1, 0])).nonFinite).toBe(true);
      expect((await engine.weightedSum([clean, clean], [0.5, 0.5])).nonFinite).toBe(false);
    }
    // The same in the arena: the claimed-chunk path, with the worker threads.
    const placed = [clean, withNaN, withInfinityInTail].map((layers) => layers.map((layer) => threaded.arena.adopt(layer)));
    expect((await threaded.weightedSum([placed[0]!, placed[1]!], [0.5, 0.5])).nonFinite).toBe(true);
    expect((await threaded.weightedSum([placed[0]!, placed[2]!], [1, 0])).nonFinite).toBe(true);
    expect((await threaded.weightedSum([placed[0]!, placed[0]!], [0.5, 0.5])).nonFinite).toBe(false);
    for (const layers of placed) for (const layer of layers) threaded.arena.release(layer);
    expect(weightedSumReference([clean, withNaN], [0.5, 0.5]).nonFinite).toBe(true);
  });

  it('runs concurrent calls one after the other without mixing them', async () => {
    const a = [[Float32Array.from({ length: 1000 }, () => 1)]];
    const b = [[Float32Array.from({ length: 1000 }, () => 2)]];
    const [ra, rb] = await Promise.all([threaded.weightedSum(a, [3]), threaded.weightedSum(b, [3])]);
    expect(ra.layers[0]!.every((x) => x === 3)).toBe(true);
    expect(rb.layers[0]!.every((x) => x === 6)).toBe(true);
  });

  it('hands out prepared output buffers without ever sharing one between results, with or without workers', async () => {
    // One thread: the calling thread prepares the next buffer slice by slice between event-loop turns.
    const oneThread = new WeightedSumEngine({ threads: 1, minFloatsForThreads: 0 });
    const length = 300_000; // more than one 1 MiB slice
    const inputs = [[Float32Array.from({ length }, (_, i) => i)], [Float32Array.from({ length }, () => 1)]];
    try {
      for (const engine of [threaded, oneThread]) {
        const first = await engine.weightedSum(inputs, [1, 1]);
        await engine.whenIdle(); // a buffer for the next job of this shape is pre-faulted meanwhile
        const second = await engine.weightedSum(inputs, [2, 0]);
        expect(second.layers[0]!.buffer).not.toBe(first.layers[0]!.buffer);
        expect(first.layers[0]![length - 1]).toBe(length);
        expect(second.layers[0]![length - 1]).toBe(2 * (length - 1));
      }
    } finally {
      await oneThread.dispose();
    }
  });

  it('rejects mismatched arguments with a clear error', async () => {
    const one = [Float32Array.of(1, 2)];
    expect(() => single.weightedSum([one], [0.5, 0.5])).toThrow(/1 inputs but 2 coefficients/);
    expect(() => single.weightedSum([one, [Float32Array.of(1)]], [0.5, 0.5])).toThrow(/input 1 layer 0 has 1 floats, input 0 has 2/);
    expect(() => single.weightedSum([one], [Number.NaN])).toThrow(/coefficient 0 must be finite/);
    expect(() => new WeightedSumEngine({ chunkFloats: 10 })).toThrow(/multiple of 16/);
    expect(() => new WeightedSumEngine({ stagingBytes: 0 })).toThrow(/stagingBytes must be a positive integer/);
  });
});

describe('WeightArena', () => {
  it('reuses released blocks and refuses foreign arrays', () => {
    const arena = new WeightArena();
    const a = arena.allocate(1000);
    const b = arena.allocate(10);
    expect(a.every((x) => x === 0)).toBe(true);
    expect(a.byteOffset % 64).toBe(0);
    arena.release(a);
    const c = arena.allocate(900);
    expect(c.byteOffset).toBe(a.byteOffset);
    expect(() => arena.release(new Float32Array(4))).toThrow(/not allocated by this arena/);
    arena.release(b);
    arena.release(c);
    expect(() => arena.release(c)).toThrow(/already released/);
    expect(arena.allocatedBytes).toBe(0);
  });

  it('adopts a copy at the source address modulo 64 and releases it like any block', () => {
    const arena = new WeightArena();
    const backing = new Float32Array(100).map((_, i) => i);
    for (const shift of [0, 1, 5, 15, 16, 17]) {
      const source = backing.subarray(shift, shift + 40);
      const copy = arena.adopt(source);
      expect(copy.byteOffset % 64).toBe(source.byteOffset % 64);
      expect(Array.from(copy)).toEqual(Array.from(source));
      arena.release(copy);
    }
    expect(arena.allocatedBytes).toBe(0);
  });

  it('grows on demand and keeps earlier views valid', () => {
    const arena = new WeightArena();
    const first = arena.allocate(16);
    first[3] = 42;
    const big = arena.allocate(1 << 20);
    expect(arena.capacityBytes).toBeGreaterThanOrEqual(4 << 20);
    expect(first[3]).toBe(42);
    expect(arena.contains(first) && arena.contains(big)).toBe(true);
  });
});
