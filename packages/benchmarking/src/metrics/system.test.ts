import { describe, expect, it } from 'vitest';
import { bwt, fwt, percentile, systemMetric } from './system.js';

describe("Ianvs's system metrics", () => {
  it('samples_transfer_ratio keeps the +1 of Ianvs', () => {
    expect(systemMetric('samples_transfer_ratio', { samples_transfer_ratio: [[100, 30], [99, 20]] })).toBe(0.25);
  });

  it("BWT and FWT follow Ianvs's compute() on a (L) x (L-1) matrix", () => {
    const m = [
      [0.1, 0.2],
      [0.8, 0.3],
      [0.6, 0.9],
    ];
    // BWT: ((0.8-0.1)+(0.3-0.2)+(0.6-0.8)+(0.9-0.3)) / 4
    expect(bwt(m)).toBeCloseTo(0.3, 10);
    // FWT: ((m[0][0]-m[0][0]) + (m[1][1]-m[0][1])) / 2
    expect(fwt(m)).toBeCloseTo(0.05, 10);
    expect(bwt([[1, 2, 3], [1]])).toBeNaN();
    expect(systemMetric('BWT', { Matrix: m })).toBe(0.3);
    expect(systemMetric('Matrix', { Matrix: m })).toEqual({ accuracy: m });
    expect(systemMetric('task_avg_acc', { Matrix: m })).toBe(0.75);
  });

  it('names what is missing', () => {
    expect(() => systemMetric('BWT', {})).toThrow('system metric "BWT" needs the accuracy matrix');
    expect(() => systemMetric('f1', {})).toThrow('metric "f1" has no url and is not a system metric');
    expect(percentile([5, 1, 3], 50)).toBe(3);
  });
});
