import { describe, expect, it } from 'vitest';
import type { Tensor } from '../estimator.js';
import { BigModelClient, CloudInferenceError, type CloudPredictor } from './big-model-client.js';
import { parseEndpoints, ReplicaSpreader } from './replica-spreader.js';
import { freePort } from '../../../../../test-kit/index.js';

const sample: Tensor = { data: new Float32Array([1]), shape: [1, 1] };

/** A replica that answers its own id after `release()` is called, counting its calls. */
function replica(id: number): CloudPredictor & { calls: number; release: () => void } {
  const waiting: (() => void)[] = [];
  return {
    endpoint: `r${id}`,
    calls: 0,
    release: () => waiting.splice(0).forEach((go) => go()),
    async predict() {
      this.calls++;
      await new Promise<void>((go) => waiting.push(go));
      return { data: new Float32Array([id]), shape: [1, 1] };
    },
  };
}


describe('ReplicaSpreader', () => {
  it('sends each call to the replica with the fewest calls in flight', async () => {
    const replicas = [replica(0), replica(1), replica(2)];
    const spreader = new ReplicaSpreader(replicas);
    const calls = Array.from({ length: 6 }, () => spreader.predict(sample));
    expect(spreader.load).toEqual([2, 2, 2]);
    replicas.forEach((r) => r.release());
    const answers = (await Promise.all(calls)).map((t) => t.data[0]);
    expect(answers.sort()).toEqual([0, 0, 1, 1, 2, 2]);
    // Sequential calls (nothing in flight) go round in turn.
    const one = async () => {
      const p = spreader.predict(sample);
      replicas.forEach((r) => r.release());
      return (await p).data[0];
    };
    expect([await one(), await one(), await one()].sort()).toEqual([0, 1, 2]);
  });

  it('moves on from a replica that refuses the connection and leaves it alone for a while', async () => {
    let t = 0;
    const closed = new BigModelClient({ host: '127.0.0.1', port: await freePort(), jobName: 'ji', format: 'binary' });
    const up = replica(1);
    const spreader = new ReplicaSpreader([closed, up], () => t);
    for (let i = 0; i < 4; i++) {
      const p = spreader.predict(sample);
      await new Promise((r) => setTimeout(r, 20));
      up.release();
      expect((await p).data[0]).toBe(1);
    }
    expect(up.calls).toBe(4);
    t += 60_000; // long past its rest: tried again (and refused again)
    const p = spreader.predict(sample);
    await new Promise((r) => setTimeout(r, 20));
    up.release();
    expect((await p).data[0]).toBe(1);
    spreader.close();
  });

  it('fails with the refusal when no replica accepts, and passes other failures on', async () => {
    const a = new BigModelClient({ host: '127.0.0.1', port: await freePort(), jobName: 'ji', format: 'binary' });
    const b = new BigModelClient({ host: '127.0.0.1', port: await freePort(), jobName: 'ji', format: 'binary' });
    await expect(new ReplicaSpreader([a, b]).predict(sample)).rejects.toMatchObject({ kind: 'refused' });
    const broken: CloudPredictor = { endpoint: 'x', predict: () => Promise.reject(new CloudInferenceError('timeout', 'slow')) };
    const never = replica(9);
    await expect(new ReplicaSpreader([broken, never]).predict(sample)).rejects.toMatchObject({ kind: 'timeout' });
    expect(never.calls).toBe(0);
  });

  it('reads BIG_MODEL_ENDPOINTS and names a bad entry', () => {
    expect(parseEndpoints('127.0.0.1:30001, 127.0.0.1:30002,[::1]:5000')).toEqual([
      { host: '127.0.0.1', port: 30001 },
      { host: '127.0.0.1', port: 30002 },
      { host: '::1', port: 5000 },
    ]);
    expect(() => parseEndpoints('127.0.0.1:30001,nohost')).toThrow('BIG_MODEL_ENDPOINTS: "nohost" is not host:port');
    expect(() => parseEndpoints('h:70000')).toThrow('is not host:port');
  });
});
