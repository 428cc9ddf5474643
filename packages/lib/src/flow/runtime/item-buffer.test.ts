import { describe, expect, it } from 'vitest';
import { ItemBuffer } from './item-buffer.js';

describe('ItemBuffer', () => {
  it('gives its items back in order across the compactions of a long stream', () => {
    const buffer = new ItemBuffer<number>();
    const out: number[] = [];
    let next = 0;
    // Bursts of pushes and shifts, well past the compaction threshold several times.
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 700; k++) buffer.push(next++);
      while (buffer.size > 100) out.push(buffer.shift());
    }
    expect(buffer.first()).toBe(out.length);
    while (buffer.size > 0) out.push(buffer.shift());
    expect(out).toEqual(Array.from({ length: next }, (_, k) => k));
  });
});
