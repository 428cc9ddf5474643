import { describe, expect, it } from 'vitest';
import { tensorFromNested, tensorToNested } from './nested-list.js';
import { viewBinaryBatch, viewJsonData } from './protocol.js';

const t = (shape: number[]) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });

describe('nested lists', () => {
  it('round-trip numpy tolist() output', () => {
    const nested = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]];
    const tensor = tensorFromNested(nested, 'data');
    expect(tensor.shape).toEqual([2, 2, 2]);
    expect(tensorToNested(tensor)).toEqual(nested);
  });

  it('name the offending element', () => {
    expect(() => tensorFromNested([[1, 2], [3]], 'data')).toThrow(/data is ragged: data\[1\] has 1 items, expected 2/);
    expect(() => tensorFromNested([[1, 2], 3], 'data')).toThrow(/data\[1\] must be a list/);
    expect(() => tensorFromNested([[1, null]], 'data')).toThrow(/data\[0\]\[1\] must be a finite number, got null/);
    expect(() => tensorFromNested({ a: 1 }, 'data')).toThrow(/data must be a list/);
    expect(() => tensorFromNested([[]], 'data')).toThrow(/empty/);
  });
});

describe('sample shapes of a request', () => {
  it('reads one sample, a batch, and reshapes when the sizes agree', () => {
    expect(viewJsonData(t([784]), [784])).toMatchObject({ single: true, batch: { shape: [1, 784] } });
    expect(viewJsonData(t([5, 784]), [784])).toMatchObject({ single: false, batch: { shape: [5, 784] } });
    expect(viewJsonData(t([28, 28]), [784])).toMatchObject({ single: true, batch: { shape: [1, 784] } });
    expect(viewJsonData(t([3, 28, 28]), [784])).toMatchObject({ single: false, batch: { shape: [3, 784] } });
    expect(viewJsonData(t([1, 28, 28]), [784])).toMatchObject({ single: false, batch: { shape: [1, 784] } });
    expect(viewJsonData(t([784]), [28, 28, 1])).toMatchObject({ single: true, batch: { shape: [1, 28, 28, 1] } });
    expect(() => viewJsonData(t([2, 10]), [784])).toThrow(/wrong shape: data has shape \[2, 10\]/);
  });

  it('without a declared sample shape, a flat list is one sample and deeper lists are batches', () => {
    expect(viewJsonData(t([4]), undefined)).toMatchObject({ single: true, batch: { shape: [1, 4] } });
    expect(viewJsonData(t([2, 4]), undefined)).toMatchObject({ single: false, batch: { shape: [2, 4] } });
  });

  it('binary tensors always carry the batch axis', () => {
    expect(viewBinaryBatch(t([2, 28, 28]), [784]).shape).toEqual([2, 784]);
    expect(() => viewBinaryBatch(t([784]), [784])).toThrow(/is a batch/);
    expect(() => viewBinaryBatch(t([0, 784]), [784])).toThrow(/empty/);
    expect(() => viewBinaryBatch(t([1, 783]), [784])).toThrow(/wrong shape/);
  });
});
