import { describe, expect, it } from 'vitest';

import { WeightsCodecError, decodeWeightsMessage, encodeWeightsMessage } from './weights-codec.js';

const weights = [
  { name: 'dense/kernel', shape: [3, 2], data: Float32Array.from([1, -2, 3.5, 4, 5, 6e-8]) },
  { name: 'dense/bias', shape: [2], data: Float32Array.from([0.25, -0.5]) },
  { name: 'scalar', shape: [], data: Float32Array.from([42]) },
  { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
];

describe('weights codec', () => {
  it('round-trips names, shapes, values and meta', () => {
    const bytes = encodeWeightsMessage({ weights, meta: { num_samples: 600, client: 'edge-1', round: 3 } });
    const back = decodeWeightsMessage(bytes);
    expect(back.meta).toEqual({ num_samples: 600, client: 'edge-1', round: 3 });
    expect(back.weights.map((w) => [w.name, w.shape, Array.from(w.data)])).toEqual(weights.map((w) => [w.name, w.shape, Array.from(w.data)]));
    expect(decodeWeightsMessage(encodeWeightsMessage({ weights: [] }))).toEqual({ weights: [] });
  });

  it('decodes from an unaligned view into a larger buffer', () => {
    const bytes = encodeWeightsMessage({ weights });
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 1);
    const back = decodeWeightsMessage(padded.subarray(1, 1 + bytes.length));
    expect(Array.from(back.weights[0]?.data ?? [])).toEqual(Array.from(weights[0]?.data ?? []));
  });

  it('is float32 little-endian after a 4-byte aligned header', () => {
    const bytes = encodeWeightsMessage({ weights: [{ name: 'a', shape: [1], data: Float32Array.from([1]) }] });
    // 16 fixed + (4 + 1 name + 4 rank + 4 dim) = 29, padded to 32, then 4 bytes of 1.0f = 00 00 80 3f
    expect(bytes.length).toBe(36);
    expect(Array.from(bytes.subarray(32))).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });

  it('refuses tensors whose data does not match their shape', () => {
    expect(() => encodeWeightsMessage({ weights: [{ name: 'w', shape: [2, 2], data: new Float32Array(3) }] })).toThrow(
      'tensor "w" has 3 values but shape [2, 2] needs 4',
    );
  });

  it('says what is wrong with a bad message', () => {
    const bytes = encodeWeightsMessage({ weights });
    expect(() => decodeWeightsMessage(bytes.subarray(0, 10))).toThrow(WeightsCodecError);
    expect(() => decodeWeightsMessage(bytes.subarray(0, 10))).toThrow('truncated: the header needs bytes 0..15');
    expect(() => decodeWeightsMessage(Buffer.from('{"weights":[[1,2]]}xxxxxxxxx'))).toThrow(/not a weights message/);
    expect(() => decodeWeightsMessage(bytes.subarray(0, bytes.length - 4))).toThrow(/need 36 bytes of float32 data, but 32 bytes follow the header \(truncated\)/);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(() => decodeWeightsMessage(longer)).toThrow(/\(trailing bytes\)/);
    const badVersion = bytes.slice();
    badVersion[4] = 9;
    expect(() => decodeWeightsMessage(badVersion)).toThrow('unsupported weights format version 9');
    const hugeCount = bytes.slice();
    new DataView(hugeCount.buffer).setUint32(8, 1e9, true);
    expect(() => decodeWeightsMessage(hugeCount)).toThrow(/header claims 1000000000 tensors/);
  });
});
