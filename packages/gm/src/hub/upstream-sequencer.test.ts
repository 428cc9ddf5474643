import { describe, expect, it } from 'vitest';
import { UpstreamSequencer } from './upstream-sequencer.js';

describe('UpstreamSequencer', () => {
  it('applies in submission order, one at a time', async () => {
    const sequencer = new UpstreamSequencer();
    sequencer.useEpoch('e');
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = sequencer.submit('e', 1, async () => {
      log.push('start 1');
      await gate;
      log.push('end 1');
    });
    const second = sequencer.submit('e', 2, async () => {
      log.push('start 2');
    });
    expect(sequencer.pending).toBe(2);
    release();
    expect(await first).toEqual({ kind: 'applied' });
    expect(await second).toEqual({ kind: 'applied' });
    expect(log).toEqual(['start 1', 'end 1', 'start 2']);
    expect(sequencer.pending).toBe(0);
  });

  it('skips ids already applied or refused in the same epoch, not in a new one', async () => {
    const sequencer = new UpstreamSequencer();
    sequencer.useEpoch('e1');
    let applied = 0;
    const apply = async () => {
      applied++;
    };
    expect(await sequencer.submit('e1', 1, apply)).toEqual({ kind: 'applied' });
    expect(await sequencer.submit('e1', 2, () => Promise.reject(new Error('poison')))).toEqual({ kind: 'failed', reason: 'poison' });
    expect(await sequencer.submit('e1', 1, apply)).toEqual({ kind: 'duplicate' });
    expect(await sequencer.submit('e1', 2, apply)).toEqual({ kind: 'duplicate' });
    sequencer.useEpoch('e2');
    expect(await sequencer.submit('e2', 1, apply)).toEqual({ kind: 'applied' });
    expect(applied).toBe(2);
  });

  it('idle() waits for the messages in progress', async () => {
    const sequencer = new UpstreamSequencer();
    sequencer.useEpoch('e');
    let done = false;
    void sequencer.submit('e', 1, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      done = true;
    });
    await sequencer.idle();
    expect(done).toBe(true);
  });
});
