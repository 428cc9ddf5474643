/**
 * Binary encoding of model weights for edge-cloud transfer (federated learning rounds), replacing the
 * original's JSON arrays of floats. Layout, little-endian:
 *
 *   magic "SDNW" | version u16 (=1) | reserved u16 (=0) | tensor count u32 | meta length u32 | meta (UTF-8 JSON)
 *   per tensor: name length u32 | name (UTF-8) | rank u32 | dims u32 × rank
 *   zero padding to a multiple of 4 bytes
 *   per tensor: float32 × product(dims)
 *
 * `meta` carries what travels with the weights (sample count, round, client id); it is optional.
 */
import type { WeightTensor } from '../core/estimator.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type WeightsMeta = { [key: string]: JsonValue };

export interface WeightsMessage {
  readonly weights: readonly WeightTensor[];
  readonly meta?: WeightsMeta;
}

const MAGIC = [0x53, 0x44, 0x4e, 0x57]; // "SDNW"
const VERSION = 1;
const FIXED_HEADER = 16;
/** Ranks above this are not weights but a corrupt header. */
const MAX_RANK = 16;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class WeightsCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsCodecError';
  }
}

export function encodeWeightsMessage(message: WeightsMessage): Uint8Array {
  const encoder = new TextEncoder();
  const metaBytes = message.meta === undefined ? new Uint8Array(0) : encoder.encode(JSON.stringify(message.meta));
  const names = message.weights.map((w) => encoder.encode(w.name));
  let headerLength = FIXED_HEADER + metaBytes.length;
  let floats = 0;
  message.weights.forEach((w, k) => {
    if (typeof w.name !== 'string') throw new WeightsCodecError(`tensor ${k} has no name`);
    if (w.shape.length > MAX_RANK) throw new WeightsCodecError(`tensor "${w.name}" has rank ${w.shape.length}; at most ${MAX_RANK} is supported`);
    for (const d of w.shape) {
      if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new WeightsCodecError(`tensor "${w.name}" has an invalid dimension ${d} in shape [${w.shape.join(', ')}]`);
    }
    const size = elementCount(w.shape);
    if (!(w.data instanceof Float32Array)) throw new WeightsCodecError(`tensor "${w.name}" data must be a Float32Array`);
    if (w.data.length !== size) {
      throw new WeightsCodecError(`tensor "${w.name}" has ${w.data.length} values but shape [${w.shape.join(', ')}] needs ${size}`);
    }
    headerLength += 4 + (names[k]?.length ?? 0) + 4 + 4 * w.shape.length;
    floats += size;
  });
  const dataOffset = align4(headerLength);
  const out = new Uint8Array(dataOffset + 4 * floats);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, VERSION, true);
  view.setUint16(6, 0, true);
  view.setUint32(8, message.weights.length, true);
  view.setUint32(12, metaBytes.length, true);
  out.set(metaBytes, FIXED_HEADER);
  let pos = FIXED_HEADER + metaBytes.length;
  message.weights.forEach((w, k) => {
    const name = names[k] ?? new Uint8Array(0);
    view.setUint32(pos, name.length, true);
    out.set(name, pos + 4);
    pos += 4 + name.length;
    view.setUint32(pos, w.shape.length, true);
    pos += 4;
    for (const d of w.shape) {
      view.setUint32(pos, d, true);
      pos += 4;
    }
  });
  pos = dataOffset;
  for (const w of message.weights) {
    writeFloats(out, view, pos, w.data);
    pos += 4 * w.data.length;
  }
  return out;
}

export interface DecodeWeightsOptions {
  /**
   * Return views into `bytes` instead of copies where the float data is 4-byte aligned in memory (it always is
   * relative to the message start; a message at an unaligned offset of its buffer is copied). Views keep `bytes`
   * alive and see any later change to it: for a receiver that owns the bytes (a websocket message), they save a
   * copy and, more costly, the fresh memory a copy needs.
   */
  readonly view?: boolean;
}

/** Decodes and validates; every inconsistency is a WeightsCodecError saying what is wrong where. */
export function decodeWeightsMessage(bytes: Uint8Array, options: DecodeWeightsOptions = {}): WeightsMessage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (pos: number, n: number, what: string): void => {
    if (pos + n > bytes.length) throw new WeightsCodecError(`truncated: ${what} needs bytes ${pos}..${pos + n - 1}, but the message has ${bytes.length}`);
  };
  need(0, FIXED_HEADER, 'the header');
  if (MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new WeightsCodecError(`not a weights message: magic is ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('')}, expected 53444e57 ("SDNW")`);
  }
  const version = view.getUint16(4, true);
  if (version !== VERSION) throw new WeightsCodecError(`unsupported weights format version ${version} (this reader knows ${VERSION})`);
  const count = view.getUint32(8, true);
  const metaLength = view.getUint32(12, true);
  need(FIXED_HEADER, metaLength, 'the meta JSON');
  let meta: WeightsMeta | undefined;
  if (metaLength > 0) {
    const text = new TextDecoder('utf-8', { fatal: true });
    try {
      const parsed: unknown = JSON.parse(text.decode(bytes.subarray(FIXED_HEADER, FIXED_HEADER + metaLength)));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      meta = parsed as WeightsMeta;
    } catch (err) {
      throw new WeightsCodecError(`meta is not a valid JSON object: ${(err as Error).message}`);
    }
  }
  let pos = FIXED_HEADER + metaLength;
  // Each tensor header takes at least 8 bytes: a count larger than that allows is corrupt.
  if (count > (bytes.length - pos) / 8) throw new WeightsCodecError(`header claims ${count} tensors, more than ${bytes.length} bytes can hold`);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const headers: { name: string; shape: number[]; size: number }[] = [];
  for (let k = 0; k < count; k++) {
    need(pos, 4, `the name length of tensor ${k}`);
    const nameLength = view.getUint32(pos, true);
    need(pos + 4, nameLength, `the name of tensor ${k}`);
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(pos + 4, pos + 4 + nameLength));
    } catch {
      throw new WeightsCodecError(`the name of tensor ${k} is not valid UTF-8`);
    }
    pos += 4 + nameLength;
    need(pos, 4, `the rank of tensor "${name}"`);
    const rank = view.getUint32(pos, true);
    if (rank > MAX_RANK) throw new WeightsCodecError(`tensor "${name}" claims rank ${rank}; at most ${MAX_RANK} is supported`);
    pos += 4;
    need(pos, 4 * rank, `the shape of tensor "${name}"`);
    const shape: number[] = [];
    for (let d = 0; d < rank; d++) shape.push(view.getUint32(pos + 4 * d, true));
    pos += 4 * rank;
    const size = elementCount(shape);
    if (!Number.isSafeInteger(size)) throw new WeightsCodecError(`tensor "${name}" has an impossible shape [${shape.join(', ')}]`);
    headers.push({ name, shape, size });
  }
  const dataOffset = align4(pos);
  const expected = headers.reduce((sum, h) => sum + 4 * h.size, 0);
  const actual = bytes.length - dataOffset;
  if (actual !== expected) {
    throw new WeightsCodecError(
      `the shapes of ${count} tensors need ${expected} bytes of float32 data, but ${actual} bytes follow the header${actual < expected ? ' (truncated)' : ' (trailing bytes)'}`,
    );
  }
  pos = dataOffset;
  const weights: WeightTensor[] = headers.map((h) => {
    const data = options.view === true && canView(bytes, pos) ? new Float32Array(bytes.buffer, bytes.byteOffset + pos, h.size) : readFloats(bytes, view, pos, h.size);
    pos += 4 * h.size;
    return { name: h.name, shape: h.shape, data };
  });
  return meta === undefined ? { weights } : { weights, meta };
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function writeFloats(out: Uint8Array, view: DataView, pos: number, data: Float32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    return;
  }
  for (let i = 0; i < data.length; i++) view.setFloat32(pos + 4 * i, data[i] ?? 0, true);
}

/** A Float32Array view needs a little-endian host and a 4-byte aligned address in the underlying buffer. */
function canView(bytes: Uint8Array, pos: number): boolean {
  return LITTLE_ENDIAN_HOST && (bytes.byteOffset + pos) % 4 === 0;
}

function readFloats(bytes: Uint8Array, view: DataView, pos: number, n: number): Float32Array {
  const data = new Float32Array(n);
  if (LITTLE_ENDIAN_HOST) {
    // A copy, so the result is aligned and does not keep the message buffer alive.
    new Uint8Array(data.buffer).set(bytes.subarray(pos, pos + 4 * n));
    return data;
  }
  for (let i = 0; i < n; i++) data[i] = view.getFloat32(pos + 4 * i, true);
  return data;
}
