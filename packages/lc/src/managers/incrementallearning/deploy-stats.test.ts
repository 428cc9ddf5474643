import { describe, expect, it } from 'vitest';
import { deployStats } from './deploy-stats.js';

describe('deployStats', () => {
  it('gives each new metric and its delta, lists element by element, numbers and numeric strings alike', () => {
    const { stats, skipped } = deployStats(
      { precision: [0.9, 0.8], accuracy: 0.85, recall: ['0.5'], loss: 'n/a', f1: [1, 2], extra: 1 },
      { precision: [0.7, 0.75], accuracy: 0.8, recall: [0.25], loss: 0.3, f1: [1] },
    );
    expect(stats.precision).toEqual([0.9, 0.8]);
    expect((stats.precision_delta as number[]).map((v) => Number(v.toFixed(6)))).toEqual([0.2, 0.05]);
    expect(stats.accuracy_delta as number).toBeCloseTo(0.05, 9);
    expect(stats.recall_delta).toEqual([0.25]);
    expect(stats.extra).toBe(1);
    expect(skipped).toEqual([
      'loss: the new model\'s value "n/a" is not a number or a list of numbers',
      'f1_delta: the new model has 2 values, the old one 1',
      'extra_delta: the old model has no extra',
    ]);
  });
});
