/** update_service: its message both ways, refused with the field named, and a model swapped only once it loaded. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Estimator, Tensor, WeightTensor } from '../estimator.js';
import { SwappableModel } from '../../hotupdate/swappable-model.js';
import { serviceUpdateMessage, serviceUpdateOf, swapModel } from './update.js';
import { decodeMessage, encodeMessage } from './wire.js';

/** An estimator whose "model" is a JSON file holding the number it answers with. */
class ConstantEstimator implements Estimator {
  value = Number.NaN;
  disposed = false;
  async train(): Promise<Record<string, number>> {
    throw new Error('not implemented');
  }
  async evaluate(): Promise<Record<string, number>> {
    throw new Error('not implemented');
  }
  async predict(x: Tensor): Promise<Tensor> {
    return { data: new Float32Array(x.shape[0]!).fill(this.value), shape: [x.shape[0]!] };
  }
  async load(url: string): Promise<void> {
    const { readFileSync } = await import('node:fs');
    this.value = (JSON.parse(readFileSync(url, 'utf8')) as { value: number }).value;
  }
  async save(): Promise<string> {
    throw new Error('not implemented');
  }
  getWeights(): WeightTensor[] {
    return [];
  }
  setWeights(): void {}
  dispose(): void {
    this.disposed = true;
  }
}

describe('update_service', () => {
  it('carries a model, an operational mode and query images through the wire', () => {
    const crop = { width: 2, height: 1, rgb: new Uint8Array([1, 2, 3, 4, 5, 6]) };
    const back = serviceUpdateOf(decodeMessage(encodeMessage(serviceUpdateMessage({ model_url: '/m/v2.onnx', model_version: 'v2', op_mode: 'detection', queries: [crop], userID: 'u1' }))));
    expect(back).toMatchObject({ model_url: '/m/v2.onnx', model_version: 'v2', op_mode: 'detection', userID: 'u1' });
    expect(Array.from(back.queries![0]!.rgb)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses a malformed or empty update, naming the field', () => {
    const bad = (extra: Record<string, unknown>) => () => serviceUpdateOf({ ...serviceUpdateMessage({}), header: { ...serviceUpdateMessage({}).header, extra } });
    expect(bad({})).toThrow(/nothing to update/);
    expect(bad({ model_url: 3 })).toThrow(/extra\.model_url must be a non-empty string/);
    expect(bad({ op_mode: 'dance' })).toThrow(/extra\.op_mode must be one of tracking, detection/);
  });

  it('swaps the model in once it has loaded, and keeps the old one when loading fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sedna-update-'));
    writeFileSync(join(dir, 'v1.json'), JSON.stringify({ value: 1 }));
    writeFileSync(join(dir, 'v2.json'), JSON.stringify({ value: 2 }));
    writeFileSync(join(dir, 'broken.json'), '{');
    const first = new ConstantEstimator();
    await first.load(join(dir, 'v1.json'));
    const model = new SwappableModel(first, 'v1');
    const x = { data: new Float32Array(1), shape: [1] };
    await expect(swapModel(model, join(dir, 'broken.json'), () => new ConstantEstimator(), 'v-broken')).rejects.toThrow(/cannot load the model at .*broken\.json.*the previous model keeps serving/);
    expect(model.version).toBe('v1');
    expect((await model.predict(x)).data[0]).toBe(1);
    expect(await swapModel(model, join(dir, 'v2.json'), () => new ConstantEstimator(), 'v2')).toBe('v2');
    expect(model.version).toBe('v2');
    expect((await model.predict(x)).data[0]).toBe(2);
    expect(first.disposed).toBe(true);
  });
});
