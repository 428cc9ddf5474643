import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { GM_HEAP_GROWING_PERCENT, limitHeapGrowth } from './heap-policy.js';

describe('the GM heap policy', () => {
  it('applies the default, an override, or none, and names the variable when it is not a percentage', () => {
    expect(limitHeapGrowth({})).toBe(GM_HEAP_GROWING_PERCENT);
    expect(limitHeapGrowth({ SEDNA_GM_HEAP_GROWING_PERCENT: '0' })).toBe(0);
    expect(limitHeapGrowth({ SEDNA_GM_HEAP_GROWING_PERCENT: '80' })).toBe(80);
    expect(() => limitHeapGrowth({ SEDNA_GM_HEAP_GROWING_PERCENT: 'half' })).toThrow(/SEDNA_GM_HEAP_GROWING_PERCENT must be a whole number.*"half"/);
    expect(() => limitHeapGrowth({ SEDNA_GM_HEAP_GROWING_PERCENT: '-5' })).toThrow(/SEDNA_GM_HEAP_GROWING_PERCENT/);
    // The process keeps running and collecting with the flag set.
    expect(getHeapStatistics().used_heap_size).toBeGreaterThan(0);
  });
});
