import { describe, expect, it } from 'vitest';
import { currentReconcile, Logger } from './log.js';
import { TerminalError, WorkQueue } from './workqueue.js';

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
      (_k, _e, retry) => delays.push(retry ?? -1),
    );
    q.add('x');
    for (let i = 0; i < 200 && attempts.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    await q.idle();
    expect(attempts.length).toBe(3);
    expect(delays).toEqual([10, 20]);
    q.stop();
  });

  it('holds keys while paused and runs each once on resume', async () => {
    const seen: string[] = [];
    const q = new WorkQueue(async (key) => void seen.push(key), { paused: true });
    q.add('a');
    q.add('b');
    q.add('a');
    await q.idle();
    expect(seen).toEqual([]);
    q.resume();
    await q.idle();
    expect(seen).toEqual(['a', 'b']);
  });

  it('does not retry a terminal error', async () => {
    let runs = 0;
    const errors: (number | undefined)[] = [];
    const q = new WorkQueue(
      async () => {
        runs++;
        throw new TerminalError('the spec cannot work');
      },
      { baseDelayMs: 1 },
      (_k, _e, retry) => errors.push(retry),
    );
    q.add('x');
    await q.idle();
    await new Promise((r) => setTimeout(r, 20));
    expect(runs).toBe(1);
    expect(errors).toEqual([undefined]);
  });

  it('runs a later pass when the processor asks for one', async () => {
    let runs = 0;
    const q = new WorkQueue(async () => (++runs === 1 ? { requeueAfterMs: 5 } : undefined));
    q.add('x');
    for (let i = 0; i < 200 && runs < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(runs).toBe(2);
    q.stop();
  });

  it('gives log lines inside a run its key and a reconcile id of its own', async () => {
    const lines: string[] = [];
    const log = new Logger('gm', (_level, line) => lines.push(line)).with({ controller: 'test' });
    const ids = new Set<number>();
    const q = new WorkQueue(async (key) => {
      ids.add(currentReconcile()!.reconcileID);
      await new Promise((r) => setImmediate(r));
      log.info('reconciling');
      expect(currentReconcile()?.key).toBe(key);
    });
    q.add('ns/a');
    q.add('ns/b');
    await q.idle();
    log.info('outside');
    expect(ids.size).toBe(2);
    expect(lines[0]).toMatch(/^\[gm\] reconciling controller=test key=ns\/a reconcileID=\d+$/);
    expect(lines[2]).toBe('[gm] outside controller=test');
  });
});
