/**
 * The decoded form of an image index, kept beside it (`<index dir>/.decoded/<index name>-<size>-<mtime>.bin`) so
 * that the test cases of a run (and of later runs) read one file instead of decoding thousands of images each: a
 * grid of N cases decoded the same train and test sets N times. The key is the index file's size and modification
 * time; a dataset folder the runner prepared is written once and never changed in place. Writes go through a
 * temporary file and a rename (parallel cases may write at once); a folder that is not writable only means no cache.
 *
 * Layout: uint32 length of a JSON header {n, shape, ids, origins} (space-padded to end 4-byte aligned), the header,
 * then x (float32) and y (int32).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LabelledSet } from './data.js';

interface Header {
  n: number;
  shape: number[];
  ids: string[];
  origins: string[];
}

export function decodedCacheFile(indexFile: string): string {
  const stat = statSync(indexFile);
  return join(dirname(indexFile), '.decoded', `${basename(indexFile)}-${stat.size}-${Math.floor(stat.mtimeMs)}.bin`);
}

export function readDecoded(indexFile: string): LabelledSet | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(decodedCacheFile(indexFile));
  } catch {
    return undefined;
  }
  return setOfBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), indexFile);
}

/**
 * The decoded cache file read into memory that threads share (a SharedArrayBuffer): the runner reads it once and
 * every test case's thread makes its views of it with `sharedSet` (a case does not read tens of MB of its own, nor
 * fault in the pages again: on two cores, that reading was what two cases at once slowed each other down with).
 */
export function readDecodedShared(indexFile: string): SharedArrayBuffer | undefined {
  let fd: number;
  try {
    fd = openSync(decodedCacheFile(indexFile), 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const shared = new SharedArrayBuffer(size);
    const view = new Uint8Array(shared);
    for (let at = 0; at < size; ) {
      const got = readSync(fd, view, at, Math.min(size - at, 1 << 24), at);
      if (got === 0) throw new Error(`${indexFile}: its decoded cache file ended after ${at} of ${size} bytes`);
      at += got;
    }
    return shared;
  } finally {
    closeSync(fd);
  }
}

/** The set whose decoded cache file `readDecodedShared` read: views of the shared memory, no copy. */
export function sharedSet(shared: SharedArrayBuffer, indexFile: string): LabelledSet {
  return setOfBytes(new Uint8Array(shared), indexFile);
}

function setOfBytes(bytes: Uint8Array, indexFile: string): LabelledSet {
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  const header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 4, headerLength).toString('utf8')) as Header;
  const size = header.shape.reduce((a, b) => a * b, 1);
  const xStart = bytes.byteOffset + 4 + headerLength;
  const yStart = xStart + size * 4;
  // The header is padded so that x starts 4-byte aligned: the arrays are views of the file's bytes, not copies
  // (tens of MB per case). A file written before the padding, or a pooled buffer, is copied.
  const aligned = xStart % 4 === 0;
  const x = aligned ? new Float32Array(bytes.buffer, xStart, size) : new Float32Array(bytes.buffer.slice(xStart, yStart));
  const y = aligned ? new Int32Array(bytes.buffer, yStart, header.n) : new Int32Array(bytes.buffer.slice(yStart, yStart + header.n * 4));
  return { x: { data: x, shape: header.shape }, y, ids: header.ids, origins: header.origins, source: indexFile };
}

export function writeDecoded(indexFile: string, set: LabelledSet): void {
  let file: string;
  try {
    file = decodedCacheFile(indexFile);
    mkdirSync(dirname(file), { recursive: true });
  } catch {
    return;
  }
  const json = JSON.stringify({ n: set.y.length, shape: [...set.x.shape], ids: set.ids, origins: set.origins } satisfies Header);
  // trailing spaces (still the same JSON) so that x starts at a multiple of 4 bytes: readDecoded maps it in place
  const jsonBytes = Buffer.byteLength(json);
  const header = Buffer.from(json + ' '.repeat((4 - ((4 + jsonBytes) % 4)) % 4));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length, 0);
  const x = Buffer.from(set.x.data.buffer, set.x.data.byteOffset, set.x.data.byteLength);
  const y = Buffer.from(set.y.buffer, set.y.byteOffset, set.y.byteLength);
  const part = `${file}.${process.pid}.part`;
  try {
    writeFileSync(part, Buffer.concat([length, header, x, y]));
    renameSync(part, file);
  } catch {
    rmSync(part, { force: true });
  }
}
