import { describe, expect, it } from 'vitest';
import type { Tensor } from '../estimator.js';
import { BatcherClosedError, MicroBatcher, QueueFullError } from './micro-batcher.js';

/** Doubles every value; records batch shapes; can be held until released. */
function doubler() {
  const batches: number[][] = [];
  let release: (() => void) | undefined;
  let hold: Promise<void> | undefined;
  return {
    batches,
    holdNext() {
      hold = new Promise((resolve) => (release = resolve));
    },
    release: () => release?.(),
    run: async (x: Tensor): Promise<Tensor> => {
      batches.push([...x.shape]);
      const wait = hold;
      hold = undefined;
      await wait;
      return { data: x.data.map((v) => 2 * v), shape: [...x.shape] };
    },
  };
}

const sample = (...values: number[]): Tensor => ({ data: Float32Array.from(values), shape: [1, values.length] });

describe('MicroBatcher', () => {
  it('runs requests submitted in the same window as one batch and gives each its rows', async () => {
    const model = doubler();
    const batcher = new MicroBatcher({ run: model.run, windowMs: 0 });
    const outs = await Promise.all([batcher.submit(sample(1, 2)), batcher.submit({ data: Float32Array.from([3, 4, 5, 6]), shape: [2, 2] }), batcher.submit(sample(7, 8))]);
    expect(model.batches).toEqual([[4, 2]]);
    expect(outs.map((o) => [o.shape, Array.from(o.data)])).toEqual([
      [[1, 2], [2, 4]],
      [[2, 2], [6, 8, 10, 12]],
      [[1, 2], [14, 16]],
    ]);
  });

  it('does not mix sample shapes', async () => {
    const model = doubler();
    const batcher = new MicroBatcher({ run: model.run, windowMs: 0 });
    await Promise.all([batcher.submit(sample(1, 2)), batcher.submit(sample(1, 2, 3)), batcher.submit(sample(3, 4))]);
    expect(model.batches).toEqual([[2, 2], [1, 3]]);
  });

  it('fails every request of a failed batch, and only those', async () => {
    let calls = 0;
    const batcher = new MicroBatcher({
      windowMs: 0,
      run: async (x) => {
        if (calls++ === 0) throw new Error('boom');
        return x;
      },
    });
    const failed = [batcher.submit(sample(1)), batcher.submit(sample(2))];
    await expect(Promise.all(failed)).rejects.toThrow('boom');
    await expect(failed[1]).rejects.toThrow('boom');
    expect(Array.from((await batcher.submit(sample(3))).data)).toEqual([3]);
  });

  it('refuses work beyond its queue limit and after close', async () => {
    const model = doubler();
    const batcher = new MicroBatcher({ run: model.run, windowMs: 0, maxBatchSize: 2, maxQueuedSamples: 2 });
    model.holdNext();
    const running = batcher.submit(sample(1));
    while (model.batches.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const waiting = [batcher.submit(sample(2)), batcher.submit(sample(3))];
    await expect(batcher.submit(sample(4))).rejects.toBeInstanceOf(QueueFullError);
    const closing = batcher.close();
    model.release();
    await closing;
    expect(Array.from((await running).data)).toEqual([2]);
    for (const w of waiting) await expect(w).rejects.toBeInstanceOf(BatcherClosedError);
    await expect(batcher.submit(sample(5))).rejects.toBeInstanceOf(BatcherClosedError);
  });

  it('waits its window only while more requests are on their way', async () => {
    const model = doubler();
    let onTheirWay = false;
    // A window of a minute: the test would time out if it were waited.
    const batcher = new MicroBatcher({ run: model.run, windowMs: 60_000, expectingMore: () => onTheirWay });
    expect(Array.from((await batcher.submit(sample(1))).data)).toEqual([2]);
    onTheirWay = true;
    const waiting = batcher.submit(sample(2));
    await new Promise((resolve) => setImmediate(resolve));
    expect(model.batches).toEqual([[1, 1]]);
    onTheirWay = false;
    batcher.nudge();
    expect(Array.from((await waiting).data)).toEqual([4]);
    expect(model.batches).toEqual([[1, 1], [1, 1]]);
  });
});
