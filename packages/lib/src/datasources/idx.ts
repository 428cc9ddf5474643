/**
 * The IDX format of (Fashion-)MNIST: a 4-byte magic number (two zero bytes, the element type, the
 * number of dimensions), one big-endian uint32 per dimension, then the elements. Files are usually
 * gzip-compressed. Reading streams, so a slice near the start does not inflate the whole file.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** Only unsigned bytes are supported: that is what (Fashion-)MNIST images and labels use. */
const IDX_TYPE_UBYTE = 0x08;
const IDX_TYPE_NAMES: Record<number, string> = { 0x08: 'ubyte', 0x09: 'byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

export class IdxFormatError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'IdxFormatError';
  }
}

export interface IdxSlice {
  /** Dimensions from the header; dims[0] is the item count of the whole file. */
  readonly dims: readonly number[];
  /** First item read. */
  readonly offset: number;
  /** Items read. */
  readonly count: number;
  /** count × (product of dims[1..]) bytes. */
  readonly data: Uint8Array;
}

export interface IdxReadOptions {
  offset?: number;
  /** Items to read (default: all from offset). */
  count?: number;
}

/** Reads items [offset, offset+count) of an IDX ubyte file (gzip-compressed when the name ends in .gz). */
export async function readIdx(file: string, options: IdxReadOptions = {}): Promise<IdxSlice> {
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset must be a non-negative integer; got ${offset}`);
  if (options.count !== undefined && (!Number.isSafeInteger(options.count) || options.count < 0)) {
    throw new RangeError(`count must be a non-negative integer; got ${options.count}`);
  }
  const raw = createReadStream(file);
  const stream: Readable = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  // A read error on the file (missing, unreadable) must surface through the piped stream too.
  raw.on('error', (err) => stream.destroy(err));

  const reader = new IdxStreamReader(file, offset, options.count);
  try {
    for await (const chunk of stream) {
      if (reader.push(chunk as Buffer)) break; // got everything asked for: stop inflating
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') throw new IdxFormatError(file, `cannot read: ${e.message}`);
    throw new IdxFormatError(file, `corrupt or truncated gzip data (${e.message})`);
  } finally {
    raw.destroy();
    stream.destroy();
  }
  return reader.finish();
}

/** Incremental parser: header first, then skips to the requested items and copies them. */
class IdxStreamReader {
  private header: Buffer = Buffer.alloc(0);
  private dims: number[] | undefined;
  private itemBytes = 0;
  private count = 0;
  private skipBytes = 0;
  private out: Uint8Array | undefined;
  private filled = 0;
  private seen = 0;

  constructor(
    private readonly file: string,
    private readonly offset: number,
    private readonly requestedCount: number | undefined,
  ) {}

  /** Feeds a chunk; returns true once the requested items are complete. */
  push(chunk: Buffer): boolean {
    this.seen += chunk.length;
    let rest = chunk;
    if (!this.dims) {
      this.header = Buffer.concat([this.header, rest]);
      if (!this.parseHeader()) return false;
      rest = this.header.subarray(this.headerLength());
    }
    if (this.skipBytes > 0) {
      const skip = Math.min(this.skipBytes, rest.length);
      this.skipBytes -= skip;
      rest = rest.subarray(skip);
    }
    const out = this.out;
    if (out && rest.length > 0) {
      const take = Math.min(out.length - this.filled, rest.length);
      out.set(rest.subarray(0, take), this.filled);
      this.filled += take;
    }
    return this.out !== undefined && this.filled === this.out.length && this.skipBytes === 0;
  }

  finish(): IdxSlice {
    if (!this.dims || !this.out) {
      throw new IdxFormatError(this.file, `truncated: ${this.seen} bytes is shorter than the IDX header`);
    }
    if (this.filled < this.out.length) {
      const expected = this.headerLength() + (this.offset + this.count) * this.itemBytes;
      throw new IdxFormatError(
        this.file,
        `truncated: the header promises ${this.dims[0]} items of ${this.itemBytes} bytes, but the data ends after ${this.seen} bytes (needed ${expected})`,
      );
    }
    return { dims: this.dims, offset: this.offset, count: this.count, data: this.out };
  }

  private headerLength(): number {
    return 4 + 4 * (this.dims?.length ?? 0);
  }

  private parseHeader(): boolean {
    const h = this.header;
    if (h.length < 4) return false;
    if (h[0] !== 0 || h[1] !== 0) {
      throw new IdxFormatError(this.file, `bad magic number 0x${h.subarray(0, 4).toString('hex')} (an IDX file starts with two zero bytes)`);
    }
    const type = h[2] ?? 0;
    const ndims = h[3] ?? 0;
    if (type !== IDX_TYPE_UBYTE) {
      const name = IDX_TYPE_NAMES[type];
      throw new IdxFormatError(this.file, name ? `element type ${name} is not supported (only ubyte)` : `unknown element type 0x${type.toString(16)}`);
    }
    if (ndims < 1) throw new IdxFormatError(this.file, 'the header declares zero dimensions');
    if (h.length < 4 + 4 * ndims) return false;
    const dims: number[] = [];
    for (let d = 0; d < ndims; d++) dims.push(h.readUInt32BE(4 + 4 * d));
    const itemBytes = dims.slice(1).reduce((a, b) => a * b, 1);
    const total = dims[0] ?? 0;
    if (this.offset > total) throw new RangeError(`${this.file}: offset ${this.offset} is past the ${total} items in the file`);
    const count = this.requestedCount ?? total - this.offset;
    if (this.offset + count > total) {
      throw new RangeError(`${this.file}: items ${this.offset}..${this.offset + count - 1} requested, but the file holds ${total}`);
    }
    this.dims = dims;
    this.itemBytes = itemBytes;
    this.count = count;
    this.skipBytes = this.offset * itemBytes;
    this.out = new Uint8Array(count * itemBytes);
    return true;
  }
}
