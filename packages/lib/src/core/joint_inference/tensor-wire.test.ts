import { describe, expect, it } from 'vitest';
import { decodeTensor, encodeTensor, tensorHeaderBytes, TensorWireError } from './tensor-wire.js';

describe('binary tensor form', () => {
  it('round-trips a tensor, with the documented header', () => {
    const tensor = { data: Float32Array.from([1.5, -2, 0, 3.25, 1e-7, 42]), shape: [2, 3] };
    const bytes = encodeTensor(tensor);
    expect(bytes.length).toBe(tensorHeaderBytes(2) + 6 * 4);
    expect(bytes.toString('latin1', 0, 4)).toBe('SDT1');
    expect([bytes[4], bytes[5], bytes.readUInt32LE(8), bytes.readUInt32LE(12)]).toEqual([1, 2, 2, 3]);
    expect(bytes.readFloatLE(tensorHeaderBytes(2))).toBe(1.5);
    const back = decodeTensor(bytes);
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(tensor.data));
  });

  it('decodes from an unaligned buffer into a tensor of its own', () => {
    const bytes = encodeTensor({ data: Float32Array.from([1, 2, 3]), shape: [1, 3] });
    const padded = Buffer.concat([Buffer.from([9]), bytes]);
    const back = decodeTensor(padded.subarray(1));
    expect(Array.from(back.data)).toEqual([1, 2, 3]);
    padded.fill(0);
    expect(Array.from(back.data)).toEqual([1, 2, 3]);
  });

  it('says what is wrong with bad bytes', () => {
    const good = encodeTensor({ data: Float32Array.from([1, 2]), shape: [1, 2] });
    expect(() => decodeTensor(Buffer.from('SDT'))).toThrow(/shorter than its 8-byte header/);
    expect(() => decodeTensor(Buffer.concat([Buffer.from('JSON'), good.subarray(4)]))).toThrow(/must start with "SDT1"/);
    const wrongType = Buffer.from(good);
    wrongType[4] = 7;
    expect(() => decodeTensor(wrongType)).toThrow(/element type 7/);
    const noRank = Buffer.from(good);
    noRank[5] = 0;
    expect(() => decodeTensor(noRank)).toThrow(/rank must be 1..8/);
    expect(() => decodeTensor(good.subarray(0, good.length - 1))).toThrow(/needs 24 bytes, got 23/);
    expect(() => decodeTensor(Buffer.concat([good, Buffer.alloc(4)]))).toThrow(TensorWireError);
    expect(() => encodeTensor({ data: new Float32Array(3), shape: [1, 2] })).toThrow(/needs 2/);
  });
});
