import { describe, expect, it } from 'vitest';
import type { WeightTensor } from '../estimator.js';
import { WeightsEncoder, decodeFrame, encodeFrame } from './frames.js';
import { weightsFromNested, weightsToNested } from './json-weights.js';
import { ProtocolError, parseGlobalHeader, parseSubscribe, parseUpdateHeader } from './protocol.js';

const weights: WeightTensor[] = [
  { name: 'dense_0/kernel', shape: [3, 2], data: Float32Array.from([0.5, -1, 2, 0.25, -0.125, 3]) },
  { name: 'dense_0/bias', shape: [2], data: Float32Array.from([1e-3, -7]) },
];

describe('binary frames', () => {
  it('carry a header and the weights, uncompressed or through any codec', () => {
    for (const compression of [undefined, 'Float32', 'Float16', 'Int8Linear']) {
      const encoder = new WeightsEncoder(compression);
      const frame = decodeFrame(encodeFrame({ type: 'update_weight', client: 'a' }, encoder.encode(weights)));
      expect(frame.header).toEqual({ type: 'update_weight', client: 'a' });
      expect(frame.encoding).toBe(compression ?? 'Float32');
      expect(frame.weights!.map((tensor) => [tensor.name, tensor.shape])).toEqual(weights.map((tensor) => [tensor.name, tensor.shape]));
      frame.weights!.forEach((tensor, index) => tensor.data.forEach((value, i) => expect(value).toBeCloseTo(weights[index]!.data[i]!, compression === 'Int8Linear' ? 1 : 2)));
    }
    expect(decodeFrame(encodeFrame({ type: 'x' })).weights).toBeUndefined();
  });

  it('read float32 weights in place when asked (the aggregation server), copying only what is unaligned', () => {
    const frame = encodeFrame({ type: 'update_weight' }, new WeightsEncoder().encode(weights));
    const inPlace = decodeFrame(frame, { view: true }).weights!;
    expect(inPlace.every((tensor) => tensor.data.buffer === frame.buffer)).toBe(true);
    expect(inPlace.map((tensor) => Array.from(tensor.data))).toEqual(weights.map((tensor) => Array.from(tensor.data)));
    expect(decodeFrame(frame).weights!.some((tensor) => tensor.data.buffer === frame.buffer)).toBe(false); // copies by default
    for (const shift of [1, 2, 3, 4]) {
      const message = Buffer.alloc(frame.length + 8);
      message.set(frame, shift);
      const decoded = decodeFrame(message.subarray(shift, shift + frame.length), { view: true }).weights!;
      expect(decoded.every((tensor) => tensor.data.buffer === message.buffer)).toBe((message.byteOffset + shift) % 4 === 0);
      expect(decoded.map((tensor) => Array.from(tensor.data))).toEqual(weights.map((tensor) => Array.from(tensor.data)));
    }
  });

  it('decode frames that sit at any offset of a larger buffer, as websocket messages do', () => {
    for (const compression of ['Float16', 'Float32', 'Int8Linear']) {
      const frame = encodeFrame({ type: 'x' }, new WeightsEncoder(compression).encode(weights));
      for (const shift of [1, 2, 3]) {
        const pool = Buffer.alloc(frame.length + 8, 0xff);
        pool.set(frame, shift);
        const decoded = decodeFrame(pool.subarray(shift, shift + frame.length));
        decoded.weights!.forEach((tensor, index) => tensor.data.forEach((value, i) => expect(value).toBeCloseTo(weights[index]!.data[i]!, 1)));
      }
    }
  });

  it('send NaN weights uncompressed (a codec refuses them) so the aggregator can name the worker', () => {
    const poisoned = [{ ...weights[1]!, data: Float32Array.from([Number.NaN, 1]) }];
    const frame = decodeFrame(encodeFrame({}, new WeightsEncoder('Float16').encode(poisoned)));
    expect(frame.encoding).toBe('Float32');
    expect(Number.isNaN(frame.weights![0]!.data[0])).toBe(true);
  });

  it('refuse what is not a frame, with the reason', () => {
    expect(() => decodeFrame(Buffer.from('hello world'))).toThrow(/must start with "SFL1" \(this one has 11 bytes starting 68656c6c\)/);
    const frame = encodeFrame({ a: 1 }, Buffer.from('garbage!'));
    expect(() => decodeFrame(frame)).toThrow(/no known encoding \(they start 67617262\)/);
    const truncated = encodeFrame({ a: 1 }, new WeightsEncoder().encode(weights)).subarray(0, 60);
    expect(() => decodeFrame(truncated)).toThrow(ProtocolError);
    const lying = encodeFrame({ a: 1 });
    new DataView(lying.buffer).setUint32(4, 1000, true);
    expect(() => decodeFrame(lying)).toThrow(/claims a 1000-byte header/);
    expect(() => new WeightsEncoder('Gzip')).toThrow(/no "Gzip" registered as compression \(known: Float16, Float32, Int8Linear, TopK\)/);
  });
});

describe('the original JSON weights', () => {
  it('round-trip as nested lists, named by position or by the known model', () => {
    const nested = weightsToNested(weights);
    expect(nested).toEqual([
      [
        [0.5, -1],
        [2, 0.25],
        [-0.125, 3],
      ],
      [expect.closeTo(1e-3, 6), -7],
    ]);
    expect(weightsFromNested(nested).map((tensor) => [tensor.name, tensor.shape])).toEqual([
      ['layer_0', [3, 2]],
      ['layer_1', [2]],
    ]);
    expect(weightsFromNested(nested, ['k', 'b']).map((tensor) => tensor.name)).toEqual(['k', 'b']);
    expect(weightsFromNested([2.5])[0]).toMatchObject({ shape: [], data: Float32Array.of(2.5) });
  });

  it('refuse ragged lists and non-numbers, naming the tensor', () => {
    expect(() => weightsFromNested('nope')).toThrow(/"weights" must be a list/);
    expect(() => weightsFromNested([[1, 2], [[1], [2, 3]]])).toThrow(/weights\[1\] is ragged/);
    expect(() => weightsFromNested([[1, 'x']])).toThrow(/weights\[0\]\[1\] must be a finite number/);
  });
});

describe('protocol messages', () => {
  it('read subscribe and update headers, with errors naming the field', () => {
    expect(parseSubscribe({ type: 'subscribe', client_id: 'a' })).toEqual({ type: 'subscribe', client_id: 'a' });
    expect(() => parseSubscribe({ type: 'subscribe' })).toThrow(/"client_id" must be a non-empty string/);
    expect(() => parseSubscribe({ type: 'subscribe', client_id: 'a', wire: 'xml' })).toThrow(/"wire" must be "json" or "binary"/);
    expect(parseUpdateHeader({ type: 'update_weight', client: 'a', round_number: 2, num_samples: '40', metrics: { loss: 0.5 } })).toEqual({
      type: 'update_weight',
      client: 'a',
      job_name: '',
      round_number: 2,
      num_samples: 40,
      metrics: { loss: 0.5 },
    });
    expect(() => parseUpdateHeader({ client: 'a', round_number: 0, num_samples: 1 })).toThrow(/"round_number" must be a round number >= 1, got 0/);
    expect(() => parseUpdateHeader({ client: 'a', round_number: 1, num_samples: -1 })).toThrow(/"num_samples" must be a non-negative integer, got -1/);
    expect(() => parseUpdateHeader({ client: 'a', round_number: 1, num_samples: 1, metrics: { loss: 'high' } })).toThrow(/"metrics.loss" must be a finite number/);
    expect(() => parseGlobalHeader({ type: 'recv_weight', round_number: 1, total_sample: 1, exit_flag: 'maybe', config: { algorithm: 'FedAvg' }, has_weights: true })).toThrow(
      /"exit_flag" must be "ok" or "continue"/,
    );
  });
});
