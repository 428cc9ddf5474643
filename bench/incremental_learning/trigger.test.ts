import { describe, expect, it } from 'vitest';
import { linesToFire } from './trigger.js';

describe('linesToFire', () => {
  it('is the first line count whose train share (floor of trainProb × lines) passes the threshold', () => {
    // The example's trigger: num_of_samples > 1500 with trainProb 0.8: floor(0.8 × 1877) = 1501.
    expect(linesToFire(0.8, '>', 1500)).toBe(1877);
    expect(linesToFire(0.8, '>=', 1500)).toBe(1875);
    expect(linesToFire(1, '=', 10)).toBe(10);
  });

  it('refuses an operator it cannot read', () => {
    expect(() => linesToFire(0.8, '<', 10)).toThrow(/operators/);
  });
});
