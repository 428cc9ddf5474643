import { describe, expect, it } from 'vitest';
import { CoalescingQueue } from './coalescing-queue.js';

describe('CoalescingQueue', () => {
  it('keeps only the latest value per key, at the place of the first', () => {
    const queue = new CoalescingQueue<string>();
    expect(queue.put('model/default/m', 'm1')).toBe(false);
    queue.put('job/default/j', 'j1');
    expect(queue.put('model/default/m', 'm2')).toBe(true);
    expect(queue.size).toBe(2);
    expect([queue.shift(), queue.shift(), queue.shift()]).toEqual(['m2', 'j1', undefined]);
  });

  it('queues a key again once its value was taken', () => {
    const queue = new CoalescingQueue<number>();
    queue.put('a', 1);
    queue.put('b', 2);
    expect(queue.shift()).toBe(1);
    queue.put('a', 3);
    expect([queue.shift(), queue.shift()]).toEqual([2, 3]);
  });
});
