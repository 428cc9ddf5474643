import { describe, expect, it } from 'vitest';
import { againstTarget, figure, interleave, percentile, quantile, spread } from './stats.js';

describe('bench statistics', () => {
  it('interpolates quantiles as NumPy does', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([7], 0.75)).toBe(7);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, q1: 1.75, q3: 3.25, iqr: 1.5, n: 4 });
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile(values, 1)).toBe(100);
  });

  it('names figures with _median and _iqr', () => {
    expect(figure('x', [1, 2, 3, 4, 5], 1)).toEqual({ x_median: 3, x_iqr: 2 });
  });

  it('interleaves both sides, alternating which runs first, with per-round ratios', async () => {
    const order: string[] = [];
    let a = 0;
    let b = 0;
    const r = await interleave(
      3,
      () => (order.push('a'), (a += 2)),
      () => (order.push('b'), (b += 1)),
    );
    expect(order).toEqual(['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b']);
    expect(r.a).toEqual([4, 6, 8]);
    expect(r.b).toEqual([2, 3, 4]);
    expect(r.ratio).toEqual([2, 2, 2]);
  });

  it('says when the spread crosses a target', () => {
    expect(againstTarget(spread([10, 11, 12]), { atLeast: 9 })).toBe('met');
    expect(againstTarget(spread([8, 10, 12]), { atLeast: 9.5 })).toBe('spread crosses target');
    expect(againstTarget(spread([1, 2, 3]), { atLeast: 9 })).toBe('missed');
    expect(againstTarget(spread([1, 2, 3]), { below: 5 })).toBe('met');
    expect(againstTarget(spread([1, 4, 9]), { below: 5 })).toBe('spread crosses target');
  });
});
