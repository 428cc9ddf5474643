import { describe, expect, it } from 'vitest';
import { ReconnectBackoff } from './backoff.js';

describe('ReconnectBackoff', () => {
  it('starts fast, doubles, caps, and starts over after reset', () => {
    const backoff = new ReconnectBackoff({ initialDelayMs: 100, maxDelayMs: 1_000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it('spreads delays by the jitter without passing the cap', () => {
    const high = new ReconnectBackoff({ initialDelayMs: 100, maxDelayMs: 100, jitter: 0.2 }, () => 0.999);
    const low = new ReconnectBackoff({ initialDelayMs: 100, maxDelayMs: 100, jitter: 0.2 }, () => 0);
    expect(high.next()).toBe(100);
    expect(low.next()).toBe(80);
  });

  it('names a bad option', () => {
    expect(() => new ReconnectBackoff({ initialDelayMs: 0 })).toThrow(/initialDelayMs/);
    expect(() => new ReconnectBackoff({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(/maxDelayMs/);
  });
});
