/**
 * Decoding any codec's bytes back into tensors: the container says which codec wrote it.
 */
import type { WeightTensor } from '../../core/estimator.js';
import { ByteReader, CodecId, FORMAT_VERSION, HEADER_BYTES, MAGIC, assertLittleEndian } from './container.js';
import { decodeFloat16 } from './float16.js';

/** Where decoded values go; e.g. `(n) => arena.allocate(n)` to decode straight into an aggregation arena. */
export type FloatAllocator = (length: number) => Float32Array;

const CODEC_NAMES: Record<number, string> = {
  [CodecId.float32]: 'Float32',
  [CodecId.float16]: 'Float16',
  [CodecId.int8Linear]: 'Int8Linear',
  [CodecId.topK]: 'TopK',
};

/** The codec name recorded in encoded bytes. */
export function codecOf(bytes: Uint8Array): string {
  checkHeader(bytes);
  return CODEC_NAMES[bytes[4]!]!;
}

function checkHeader(bytes: Uint8Array): void {
  if (bytes.length < HEADER_BYTES || MAGIC.some((byte, index) => bytes[index] !== byte)) {
    throw new Error('decodeWeights: these bytes are not encoded weights (bad magic)');
  }
  if (bytes[3] !== FORMAT_VERSION) throw new Error(`decodeWeights: format version ${bytes[3]} is not supported (expected ${FORMAT_VERSION})`);
  if (CODEC_NAMES[bytes[4]!] === undefined) throw new Error(`decodeWeights: unknown codec id ${bytes[4]}`);
}

export function decodeWeights(bytes: Uint8Array, allocate: FloatAllocator = (length) => new Float32Array(length)): WeightTensor[] {
  assertLittleEndian();
  checkHeader(bytes);
  const codec = bytes[4]!;
  const reader = new ByteReader(bytes, `decodeWeights (${CODEC_NAMES[codec]})`);
  reader.offset = 8;
  const count = reader.u32('the tensor count');
  const tensors: WeightTensor[] = [];
  for (let index = 0; index < count; index++) {
    const what = `tensor ${index}`;
    const name = reader.text(reader.u32(`${what} name length`), `${what} name`);
    const rank = reader.u32(`${what} rank`);
    if (rank > 64) throw new Error(`decodeWeights: ${what} ("${name}") claims rank ${rank}; the data is corrupt`);
    const shape: number[] = [];
    for (let axis = 0; axis < rank; axis++) shape.push(reader.u32(`${what} dimension ${axis}`));
    const length = shape.reduce((product, dimension) => product * dimension, 1);
    const needed = minimumPayloadBytes(codec, length);
    if (needed > reader.remaining) {
      // Refuse before allocating: a corrupt header must not make us allocate gigabytes.
      throw new Error(`decodeWeights: ${what} ("${name}") claims ${length} values (${needed} bytes) but only ${reader.remaining} bytes remain`);
    }
    const data = allocate(length);
    if (data.length !== length) throw new Error(`decodeWeights: the allocator returned ${data.length} floats for ${what}, expected ${length}`);
    decodePayload(codec, reader, data, `${what} ("${name}")`);
    tensors.push({ name, shape, data });
  }
  if (reader.remaining !== 0) throw new Error(`decodeWeights: ${reader.remaining} unexpected bytes after the last tensor`);
  return tensors;
}

function minimumPayloadBytes(codec: number, length: number): number {
  if (codec === CodecId.float32) return 4 * length;
  if (codec === CodecId.float16) return 2 * length;
  if (codec === CodecId.int8Linear) return 8 + length;
  return 4; // TopK: the kept count; a sparse tensor may be far larger than its bytes
}

function decodePayload(codec: number, reader: ByteReader, out: Float32Array, what: string): void {
  switch (codec) {
    case CodecId.float32:
      out.set(reader.array(Float32Array, out.length, `${what} values`));
      return;
    case CodecId.float16:
      decodeFloat16(reader.array(Uint16Array, out.length, `${what} values`), out);
      return;
    case CodecId.int8Linear: {
      const offset = reader.f32(`${what} offset`);
      const scale = reader.f32(`${what} scale`);
      const codes = reader.array(Uint8Array, out.length, `${what} codes`);
      for (let position = 0; position < out.length; position++) out[position] = offset + codes[position]! * scale;
      return;
    }
    case CodecId.topK: {
      const kept = reader.u32(`${what} kept count`);
      if (kept > out.length) throw new Error(`decodeWeights: ${what} keeps ${kept} values of only ${out.length}`);
      const indices = reader.array(Uint32Array, kept, `${what} indices`);
      const values = reader.array(Float32Array, kept, `${what} values`);
      out.fill(0);
      for (let position = 0; position < kept; position++) {
        const target = indices[position]!;
        if (target >= out.length) throw new Error(`decodeWeights: ${what} has index ${target} beyond its ${out.length} values`);
        out[target] = values[position]!;
      }
      return;
    }
    default:
      throw new Error(`decodeWeights: unknown codec id ${codec}`);
  }
}
