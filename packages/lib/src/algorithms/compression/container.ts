/**
 * The byte layout shared by every weight codec, so `decodeWeights` needs nothing but the bytes:
 *
 *   offset 0  "SWC" magic (0x53 0x57 0x43), format version 1
 *          4  codec id (u8), 3 reserved bytes (0)
 *          8  tensor count (u32)
 *   then per tensor, each section starting 4-byte aligned:
 *          name length in bytes (u32), UTF-8 name, padding to 4
 *          rank (u32), dimensions (u32 × rank)
 *          codec payload (see each codec), padding to 4
 *
 * All numbers are little-endian. Payload arrays are 4-byte aligned so that decoding can view them in place.
 */
import { endianness } from 'node:os';

export const MAGIC = [0x53, 0x57, 0x43] as const;
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 12;

export const CodecId = {
  float32: 0,
  float16: 1,
  int8Linear: 2,
  topK: 3,
} as const;
export type CodecIdValue = (typeof CodecId)[keyof typeof CodecId];

/** Typed arrays use the host byte order and the format is little-endian; every Node target we run on is LE. */
export function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('weight compression: big-endian hosts are not supported');
}

export const align4 = (value: number): number => (value + 3) & ~3;

/** Appends aligned sections to a growing buffer. */
export class ByteWriter {
  private bytes: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(expectedBytes: number) {
    this.bytes = new Uint8Array(Math.max(64, align4(expectedBytes)));
    this.view = new DataView(this.bytes.buffer);
  }

  /** Reserves `count` bytes (aligned to 4 at both ends) and returns their offset. */
  reserve(count: number): number {
    const offset = this.length;
    const end = align4(offset + count);
    if (end > this.bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length = end;
    return offset;
  }

  u8(offset: number, value: number): void {
    this.view.setUint8(offset, value);
  }

  u32At(offset: number, value: number): void {
    this.view.setUint32(offset, value, true);
  }

  u32(value: number): void {
    this.view.setUint32(this.reserve(4), value, true);
  }

  f32(value: number): void {
    this.view.setFloat32(this.reserve(4), value, true);
  }

  raw(data: Uint8Array): void {
    this.bytes.set(data, this.reserve(data.length));
  }

  /** An aligned typed-array window of `count` elements to fill in place. */
  window<T extends Uint8Array | Uint16Array | Uint32Array | Float32Array>(kind: { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number }, count: number): T {
    const offset = this.reserve(count * kind.BYTES_PER_ELEMENT);
    return new kind(this.bytes.buffer as ArrayBuffer, offset, count);
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** Reads aligned sections with bounds checks; errors say where the data ended. */
export class ByteReader {
  private readonly view: DataView;
  offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly owner: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private take(count: number, what: string): number {
    const offset = this.offset;
    if (offset + count > this.bytes.length) {
      throw new Error(`${this.owner}: the data is truncated: ${what} needs ${count} bytes at offset ${offset}, only ${this.bytes.length - offset} left`);
    }
    this.offset = Math.min(align4(offset + count), this.bytes.length);
    return offset;
  }

  u8At(offset: number): number {
    return this.view.getUint8(offset);
  }

  u32(what: string): number {
    return this.view.getUint32(this.take(4, what), true);
  }

  f32(what: string): number {
    return this.view.getFloat32(this.take(4, what), true);
  }

  text(length: number, what: string): string {
    const offset = this.take(length, what);
    return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(offset, offset + length));
  }

  /** `count` elements; a view when the bytes are aligned in memory, else an aligned copy. */
  array<T extends Uint8Array | Uint16Array | Uint32Array | Float32Array>(
    kind: { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number },
    count: number,
    what: string,
  ): T {
    const byteCount = count * kind.BYTES_PER_ELEMENT;
    const offset = this.take(byteCount, what);
    const absolute = this.bytes.byteOffset + offset;
    if (absolute % kind.BYTES_PER_ELEMENT === 0) return new kind(this.bytes.buffer as ArrayBuffer, absolute, count);
    // A fresh copy: a Node Buffer's slice() shares memory (and its pool), unlike Uint8Array's.
    const copy = new Uint8Array(byteCount);
    copy.set(this.bytes.subarray(offset, offset + byteCount));
    return new kind(copy.buffer, 0, count);
  }
}
