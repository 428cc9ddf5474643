/**
 * The binary form of a tensor on the big model service's wire (`Content-Type: application/octet-stream`).
 * JSON lists of floats cost about 10 bytes and a parse per value; this costs 4 bytes and a copy.
 *
 * Layout (all integers and floats little-endian):
 *
 *   bytes 0-3   magic "SDT1" (Sedna tensor, version 1)
 *   byte  4     element type: 1 = float32 (the only one)
 *   byte  5     rank r, 1..8
 *   bytes 6-7   reserved, 0
 *   then        r dimensions, uint32 each
 *   then        prod(dims) float32 values, row-major
 *
 * A request carries the batch [n, ...sampleShape]; the answer carries the outputs [n, ...outputShape].
 */
import { endianness } from 'node:os';
import type { Tensor } from '../estimator.js';

export const TENSOR_CONTENT_TYPE = 'application/octet-stream';
export const TENSOR_MAGIC = 'SDT1';
export const TENSOR_FLOAT32 = 1;
export const TENSOR_MAX_RANK = 8;
const FIXED_HEADER_BYTES = 8;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

export class TensorWireError extends Error {
  override name = 'TensorWireError';
}

export function tensorHeaderBytes(rank: number): number {
  return FIXED_HEADER_BYTES + 4 * rank;
}

/** The bytes of a float32 tensor in the layout above. */
export function encodeTensor(tensor: Tensor): Buffer {
  const rank = tensor.shape.length;
  if (rank < 1 || rank > TENSOR_MAX_RANK) throw new TensorWireError(`tensor rank must be 1..${TENSOR_MAX_RANK}, got ${rank}`);
  let size = 1;
  for (const dim of tensor.shape) {
    if (!Number.isInteger(dim) || dim < 0 || dim > 0xffffffff) throw new TensorWireError(`tensor dimension ${dim} is not a uint32`);
    size *= dim;
  }
  if (tensor.data.length !== size) throw new TensorWireError(`tensor has ${tensor.data.length} values, its shape [${tensor.shape.join(', ')}] needs ${size}`);
  const header = tensorHeaderBytes(rank);
  const out = Buffer.allocUnsafe(header + 4 * size);
  out.write(TENSOR_MAGIC, 0, 'latin1');
  out.writeUInt8(TENSOR_FLOAT32, 4);
  out.writeUInt8(rank, 5);
  out.writeUInt16LE(0, 6);
  tensor.shape.forEach((dim, axis) => out.writeUInt32LE(dim, FIXED_HEADER_BYTES + 4 * axis));
  if (LITTLE_ENDIAN_HOST) {
    Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).copy(out, header);
  } else {
    for (let i = 0; i < size; i++) out.writeFloatLE(tensor.data[i] as number, header + 4 * i);
  }
  return out;
}

/** Reads a tensor written by encodeTensor; any inconsistency is a TensorWireError saying what is wrong. */
export function decodeTensor(bytes: Uint8Array): Tensor {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < FIXED_HEADER_BYTES) throw new TensorWireError(`binary tensor is ${buffer.length} bytes, shorter than its ${FIXED_HEADER_BYTES}-byte header`);
  const magic = buffer.toString('latin1', 0, 4);
  if (magic !== TENSOR_MAGIC) throw new TensorWireError(`binary tensor must start with "${TENSOR_MAGIC}", got ${JSON.stringify(magic)}`);
  const type = buffer.readUInt8(4);
  if (type !== TENSOR_FLOAT32) throw new TensorWireError(`binary tensor element type ${type} is not supported (only ${TENSOR_FLOAT32} = float32)`);
  const rank = buffer.readUInt8(5);
  if (rank < 1 || rank > TENSOR_MAX_RANK) throw new TensorWireError(`binary tensor rank must be 1..${TENSOR_MAX_RANK}, got ${rank}`);
  const header = tensorHeaderBytes(rank);
  if (buffer.length < header) throw new TensorWireError(`binary tensor of rank ${rank} needs a ${header}-byte header, got ${buffer.length} bytes`);
  const shape: number[] = [];
  let size = 1;
  for (let axis = 0; axis < rank; axis++) {
    const dim = buffer.readUInt32LE(FIXED_HEADER_BYTES + 4 * axis);
    shape.push(dim);
    size *= dim;
  }
  const expected = header + 4 * size;
  if (buffer.length !== expected) {
    throw new TensorWireError(`binary tensor of shape [${shape.join(', ')}] needs ${expected} bytes, got ${buffer.length}`);
  }
  const data = new Float32Array(size);
  if (LITTLE_ENDIAN_HOST) {
    // A copy: the body buffer may not be 4-byte aligned, and the tensor must not alias a pooled buffer.
    new Uint8Array(data.buffer).set(buffer.subarray(header, expected));
  } else {
    for (let i = 0; i < size; i++) data[i] = buffer.readFloatLE(header + 4 * i);
  }
  return { data, shape };
}
