/**
 * Weight codecs for transfer between training workers and the aggregator. Each encodes a list of tensors
 * into the self-describing container (container.ts) with its own payload per tensor:
 *
 * - Float32: the raw values (the uncompressed baseline), 4 bytes each.
 * - Float16: IEEE half precision, 2 bytes each; relative error at most 2^-11 in the normal range.
 * - Int8Linear: per tensor offset (its minimum) and scale ((max − min)/255), one byte each;
 *   absolute error at most scale/2.
 * - TopK: the k = ⌈ratio·n⌉ values of largest magnitude as (u32 index, f32 value) pairs, the rest decode as 0.
 *   Meant for sparse updates (the difference to the global model), not for whole models.
 *
 * Every codec refuses NaN and infinite values (naming the tensor), and Float16 refuses values it would
 * turn into infinity, rather than sending something that decodes to different numbers without a word.
 */
import type { WeightTensor } from '../../core/estimator.js';
import { ParamReader, type AlgorithmParams } from '../params.js';
import { ByteWriter, CodecId, FORMAT_VERSION, HEADER_BYTES, MAGIC, assertLittleEndian, type CodecIdValue } from './container.js';
import { FLOAT16_MAX, encodeFloat16 } from './float16.js';

export interface WeightCodec {
  /** The registry name. */
  readonly name: string;
  encode(weights: readonly WeightTensor[]): Uint8Array;
}

function checkFinite(tensor: WeightTensor, index: number, codec: string, limit = Number.POSITIVE_INFINITY): void {
  const data = tensor.data;
  for (let position = 0; position < data.length; position++) {
    const value = data[position]!;
    if (!(Math.abs(value) <= limit)) {
      const problem = Number.isFinite(value) ? `${value} is beyond the float16 range ±${FLOAT16_MAX}` : `${value}`;
      throw new Error(`${codec}: tensor ${index} ("${tensor.name}") has ${problem} at flat index ${position}`);
    }
  }
}

function checkTensor(tensor: WeightTensor, index: number, codec: string): void {
  const count = tensor.shape.reduce((product, dimension) => product * dimension, 1);
  if (!tensor.shape.every((dimension) => Number.isInteger(dimension) && dimension >= 0 && dimension <= 0xffffffff) || count !== tensor.data.length) {
    throw new Error(`${codec}: tensor ${index} ("${tensor.name}") has shape [${tensor.shape.join(', ')}] but ${tensor.data.length} values`);
  }
}

/** Writes the container around per-tensor payloads. */
function encodeContainer(
  codec: string,
  id: CodecIdValue,
  weights: readonly WeightTensor[],
  payloadBytes: (tensor: WeightTensor) => number,
  writePayload: (writer: ByteWriter, tensor: WeightTensor, index: number) => void,
): Uint8Array {
  assertLittleEndian();
  const encoder = new TextEncoder();
  const names = weights.map((tensor) => encoder.encode(tensor.name));
  const expected = HEADER_BYTES + weights.reduce((sum, tensor, index) => sum + 16 + names[index]!.length + 4 * tensor.shape.length + payloadBytes(tensor), 0);
  const writer = new ByteWriter(expected);
  const header = writer.reserve(HEADER_BYTES);
  MAGIC.forEach((byte, offset) => writer.u8(header + offset, byte));
  writer.u8(header + 3, FORMAT_VERSION);
  writer.u8(header + 4, id);
  writer.u32At(header + 8, weights.length);
  weights.forEach((tensor, index) => {
    checkTensor(tensor, index, codec);
    writer.u32(names[index]!.length);
    writer.raw(names[index]!);
    writer.u32(tensor.shape.length);
    for (const dimension of tensor.shape) writer.u32(dimension);
    writePayload(writer, tensor, index);
  });
  return writer.finish();
}

export class Float32Codec implements WeightCodec {
  readonly name = 'Float32';

  constructor(param: AlgorithmParams = {}) {
    new ParamReader('compression "Float32"', param, []);
  }

  encode(weights: readonly WeightTensor[]): Uint8Array {
    return encodeContainer(this.name, CodecId.float32, weights, (tensor) => 4 * tensor.data.length, (writer, tensor, index) => {
      checkFinite(tensor, index, this.name);
      writer.window(Float32Array, tensor.data.length).set(tensor.data);
    });
  }
}

export class Float16Codec implements WeightCodec {
  readonly name = 'Float16';

  constructor(param: AlgorithmParams = {}) {
    new ParamReader('compression "Float16"', param, []);
  }

  encode(weights: readonly WeightTensor[]): Uint8Array {
    return encodeContainer(this.name, CodecId.float16, weights, (tensor) => 2 * tensor.data.length + 4, (writer, tensor, index) => {
      checkFinite(tensor, index, this.name, FLOAT16_MAX);
      encodeFloat16(tensor.data, writer.window(Uint16Array, tensor.data.length));
    });
  }
}

export class Int8LinearCodec implements WeightCodec {
  readonly name = 'Int8Linear';

  constructor(param: AlgorithmParams = {}) {
    new ParamReader('compression "Int8Linear"', param, []);
  }

  encode(weights: readonly WeightTensor[]): Uint8Array {
    return encodeContainer(this.name, CodecId.int8Linear, weights, (tensor) => 8 + tensor.data.length + 4, (writer, tensor, index) => {
      checkFinite(tensor, index, this.name);
      const data = tensor.data;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let position = 0; position < data.length; position++) {
        const value = data[position]!;
        if (value < min) min = value;
        if (value > max) max = value;
      }
      if (data.length === 0) min = max = 0;
      // Offset and scale go out as float32; quantize against exactly those values so decode matches.
      const offset = Math.fround(min);
      const scale = Math.fround((max - min) / 255);
      writer.f32(offset);
      writer.f32(scale);
      const codes = writer.window(Uint8Array, data.length);
      if (scale === 0) return; // a constant tensor: every code 0 decodes to the offset
      const inverse = 1 / scale;
      for (let position = 0; position < data.length; position++) {
        const code = Math.round((data[position]! - offset) * inverse);
        codes[position] = code < 0 ? 0 : code > 255 ? 255 : code;
      }
    });
  }
}

export class TopKCodec implements WeightCodec {
  readonly name = 'TopK';
  /** Parameter `ratio` (default 0.01): the share of each tensor's values kept, in (0, 1]. */
  readonly ratio: number;

  constructor(param: AlgorithmParams = {}) {
    const read = new ParamReader('compression "TopK"', param, ['ratio']);
    this.ratio = read.number('ratio', 0.01, { min: 0, minInclusive: false, max: 1 });
  }

  /** Values kept for a tensor of n values: ⌈ratio·n⌉, at least 1 for a non-empty tensor. */
  keptCount(n: number): number {
    return n === 0 ? 0 : Math.min(n, Math.max(1, Math.ceil(this.ratio * n)));
  }

  encode(weights: readonly WeightTensor[]): Uint8Array {
    return encodeContainer(this.name, CodecId.topK, weights, (tensor) => 4 + 8 * this.keptCount(tensor.data.length), (writer, tensor, index) => {
      checkFinite(tensor, index, this.name);
      const kept = largestMagnitudes(tensor.data, this.keptCount(tensor.data.length));
      writer.u32(kept.length);
      writer.window(Uint32Array, kept.length).set(kept);
      const values = writer.window(Float32Array, kept.length);
      for (let position = 0; position < kept.length; position++) values[position] = tensor.data[kept[position]!]!;
    });
  }
}

/**
 * Indices (ascending) of the `k` values of largest magnitude. A quickselect finds the k-th largest magnitude
 * in linear time; ties at that threshold are taken in index order.
 */
export function largestMagnitudes(data: Float32Array, k: number): Uint32Array {
  const result = new Uint32Array(k);
  if (k === 0) return result;
  const magnitudes = new Float32Array(data.length);
  for (let index = 0; index < data.length; index++) magnitudes[index] = Math.abs(data[index]!);
  const threshold = kthLargest(magnitudes.slice(), k);
  let above = 0;
  for (let index = 0; index < data.length; index++) if (magnitudes[index]! > threshold) above++;
  let tiesAllowed = k - above;
  let written = 0;
  for (let index = 0; index < data.length && written < k; index++) {
    const magnitude = magnitudes[index]!;
    if (magnitude > threshold || (magnitude === threshold && tiesAllowed-- > 0)) result[written++] = index;
  }
  return result;
}

/** The k-th largest value (1-based) of `values`, which it reorders. */
function kthLargest(values: Float32Array, k: number): number {
  const target = values.length - k; // index of the k-th largest in ascending order
  let low = 0;
  let high = values.length - 1;
  while (low < high) {
    // Median-of-three pivot keeps sorted and reversed inputs linear.
    const middle = (low + high) >>> 1;
    const pivot = medianOfThree(values[low]!, values[middle]!, values[high]!);
    let left = low;
    let right = high;
    while (left <= right) {
      while (values[left]! < pivot) left++;
      while (values[right]! > pivot) right--;
      if (left <= right) {
        const swap = values[left]!;
        values[left] = values[right]!;
        values[right] = swap;
        left++;
        right--;
      }
    }
    if (target <= right) high = right;
    else if (target >= left) low = left;
    else return values[target]!;
  }
  return values[target]!;
}

function medianOfThree(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}
