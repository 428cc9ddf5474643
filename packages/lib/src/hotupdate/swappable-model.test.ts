import { describe, expect, it } from 'vitest';

import type { Estimator } from '../core/estimator.js';
import { SwappableModel } from './swappable-model.js';

function stub(name: string, disposed: string[]): Estimator {
  const fail = (): never => {
    throw new Error('not used here');
  };
  return {
    train: fail,
    evaluate: fail,
    predict: fail,
    load: fail,
    save: fail,
    getWeights: fail,
    setWeights: fail,
    dispose: () => disposed.push(name),
  };
}

describe('SwappableModel', () => {
  it('disposes the replaced estimator only after its last lease ends', async () => {
    const disposed: string[] = [];
    const a = stub('a', disposed);
    const b = stub('b', disposed);
    const model = new SwappableModel(a, 'v1');
    let release!: () => void;
    const held = model.use((e) => new Promise<Estimator>((resolve) => (release = () => resolve(e))));
    model.swap(b, 'v2');
    expect(model.estimator).toBe(b);
    expect(model.version).toBe('v2');
    expect(disposed).toEqual([]);
    expect(await model.use((e) => e)).toBe(b);
    release();
    expect(await held).toBe(a);
    expect(disposed).toEqual(['a']);
    model.close();
    model.close();
    expect(disposed).toEqual(['a', 'b']);
    expect(() => model.swap(b, 'v3')).toThrow(/fresh estimator/);
  });

  it('keeps a leased estimator (acquire/release) and a failed or thrown use() alive only as long as their work', async () => {
    const disposed: string[] = [];
    const a = stub('a', disposed);
    const model = new SwappableModel(a, 'v1');
    const lease = model.acquire();
    expect(lease).toMatchObject({ estimator: a, version: 'v1' });
    await expect(model.use(() => Promise.reject(new Error('failed')))).rejects.toThrow('failed');
    await expect(model.use(() => {
      throw new Error('thrown');
    })).rejects.toThrow('thrown');
    model.swap(stub('b', disposed), 'v2');
    expect(disposed).toEqual([]);
    model.release(lease);
    expect(disposed).toEqual(['a']);
  });
});
