import { describe, expect, it } from 'vitest';

import { classHistogram, partitionByClass, partitionDirichlet, partitionIid, type Partition } from './partition.js';

// 10 classes × 100 samples, interleaved.
const labels = Int32Array.from({ length: 1000 }, (_, i) => i % 10);

function expectDisjoint(partition: Partition): number {
  const seen = new Set<number>();
  for (const part of partition) {
    for (const i of part) {
      expect(seen.has(i)).toBe(false);
      seen.add(i);
    }
  }
  return seen.size;
}

/** Mean over clients of the largest class's share of that client's samples. */
function meanDominantShare(partition: Partition): number {
  const shares = classHistogram(labels, partition).map((counts, c) => Math.max(...counts.values()) / (partition[c]?.length ?? 1));
  return shares.reduce((a, b) => a + b, 0) / shares.length;
}

describe('partitioners', () => {
  it('iid: equal sizes, disjoint, covering, reproducible by seed', () => {
    const parts = partitionIid(1003, 4, { seed: 7 });
    expect(parts.map((p) => p.length)).toEqual([251, 251, 251, 250]);
    expect(expectDisjoint(parts)).toBe(1003);
    expect(partitionIid(1003, 4, { seed: 7 })).toEqual(parts);
    expect(partitionIid(1003, 4, { seed: 8 })).not.toEqual(parts);
    expect(meanDominantShare(partitionIid(1000, 4, { seed: 1 }))).toBeLessThan(0.2);
  });

  it('by class: each client holds exactly k classes, disjoint, all used', () => {
    const parts = partitionByClass(labels, 5, { classesPerClient: 2, seed: 3 });
    const histograms = classHistogram(labels, parts);
    for (const h of histograms) expect(h.size).toBe(2);
    expect(expectDisjoint(parts)).toBe(1000);
    expect(parts.map((p) => p.length)).toEqual([200, 200, 200, 200, 200]);
  });

  it('by class: shared classes are split among their holders', () => {
    const parts = partitionByClass(labels, 4, { classesPerClient: 5, seed: 1 });
    for (const h of classHistogram(labels, parts)) expect(h.size).toBe(5);
    expect(expectDisjoint(parts)).toBe(1000);
    expect(() => partitionByClass(labels, 2, { classesPerClient: 11 })).toThrow('classesPerClient 11 exceeds the 10 classes');
  });

  it('dirichlet: disjoint and covering; small alpha skews, large alpha does not', () => {
    const skewed = partitionDirichlet(labels, 5, { alpha: 0.1, seed: 11 });
    expect(expectDisjoint(skewed)).toBe(1000);
    for (const p of skewed) expect(p.length).toBeGreaterThanOrEqual(1);
    const even = partitionDirichlet(labels, 5, { alpha: 1000, seed: 11 });
    expect(expectDisjoint(even)).toBe(1000);
    expect(meanDominantShare(skewed)).toBeGreaterThan(0.4);
    expect(meanDominantShare(even)).toBeLessThan(0.15);
    expect(partitionDirichlet(labels, 5, { alpha: 0.1, seed: 11 })).toEqual(skewed);
  });

  it('dirichlet: validates its options', () => {
    expect(() => partitionDirichlet(labels, 5, { alpha: 0 })).toThrow('alpha must be a positive number');
    expect(() => partitionDirichlet(labels, 5, { alpha: 0.01, minPerClient: 150, maxAttempts: 3 })).toThrow(/in 3 attempts/);
  });
});
