import { describe, expect, it } from 'vitest';
import { WorkQueue } from './workqueue.js';

describe('WorkQueue', () => {
  it('processes a key queued many times once, and again if queued while it runs', async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue(async (key) => {
      seen.push(key);
      if (seen.length === 1) await gate;
    });
    q.add('a');
    q.add('a');
    q.add('b');
    await new Promise((r) => setImmediate(r));
    q.add('a'); // while 'a' runs
    release();
    await q.idle();
    expect(seen).toEqual(['a', 'b', 'a']);
  });

  it('retries failures with growing delays and resets after success', async () => {
    const attempts: number[] = [];
    const delays: number[] = [];
    const q = new WorkQueue(
      async () => {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new Error('not yet');
      },
      { baseDelayMs: 10 },
      (_k, _e, retry) => delays.push(retry),
    );
    q.add('x');
    for (let i = 0; i < 200 && attempts.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    await q.idle();
    expect(attempts.length).toBe(3);
    expect(delays).toEqual([10, 20]);
    q.stop();
  });
});
