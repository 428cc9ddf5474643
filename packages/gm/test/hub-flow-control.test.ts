/**
 * The hub holds a bounded number of upstream messages: when LCs send faster than the GM applies them, it stops
 * reading their sockets (TCP flow control keeps the rest on the LC's side) instead of queueing them in its heap,
 * and reads again as they are applied. Nothing is lost or reordered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamBudget } from '../src/hub/upstream-budget.js';
import { Cleanup, HubWorld, RawClient, statusMessage, waitFor } from './hub-fixtures.js';

const FRAMES = 1500;
const PAD = 'x'.repeat(16_384);

describe('hub upstream flow control', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('stops reading a node that sends faster than the handler applies, then delivers everything in order', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const applied: number[] = [];
    const gm = await HubWorld.start(cleanup, { maxUpstreamInFlight: 8 }, {
      onUpstream: async (_node, message) => {
        await gate;
        applied.push(message.content.numberOfSamples as number);
      },
    });
    const lc = await RawClient.connect(cleanup, gm.url);
    lc.hello();
    await lc.nextFrame('the end of the resync', (f) => f.type === 'resync-end');
    for (let id = 1; id <= FRAMES; id++) {
      const message = statusMessage('ds', id);
      lc.send({ type: 'upstream', id, message: { ...message, content: { ...message.content, pad: PAD } } });
    }
    // Past the budget the hub stops reading the node's socket: the rest of the 24 MB waits on the LC's side.
    await waitFor('the hub to stop reading the node', () => gm.hub.nodeInfo('edge-1')!.readingPaused);
    const held = gm.hub.nodeInfo('edge-1')!.pendingUpstream;
    // The budget, plus the few frames of the socket read that was under way when reading stopped.
    expect(held).toBeGreaterThanOrEqual(8);
    expect(held).toBeLessThan(64);
    open();
    await waitFor('every message acknowledged', () => lc.framesOfType('ack').length === FRAMES, 60_000);
    expect(applied).toEqual(Array.from({ length: FRAMES }, (_, i) => i + 1));
    expect(lc.closed).toBeUndefined();
  });
});

describe('UpstreamBudget', () => {
  const source = () => {
    const calls: string[] = [];
    return { calls, pauseReading: () => calls.push('pause'), resumeReading: () => calls.push('resume') };
  };

  it('pauses the sources that send past the limit and resumes them all at half', () => {
    const budget = new UpstreamBudget(4);
    const a = source();
    const b = source();
    for (let i = 0; i < 3; i++) budget.acquire(a);
    expect(a.calls).toEqual([]);
    budget.acquire(a);
    budget.acquire(b);
    budget.acquire(a);
    expect([a.calls, b.calls, budget.pausedSources]).toEqual([['pause'], ['pause'], 2]);
    for (let i = 0; i < 3; i++) budget.release();
    expect(a.calls).toEqual(['pause']);
    budget.release();
    expect([a.calls, b.calls, budget.pausedSources, budget.inFlight]).toEqual([['pause', 'resume'], ['pause', 'resume'], 0, 2]);
  });

  it('forgets a closed source', () => {
    const budget = new UpstreamBudget(1);
    const a = source();
    budget.acquire(a);
    budget.forget(a);
    budget.release();
    expect(a.calls).toEqual(['pause']);
  });
});
