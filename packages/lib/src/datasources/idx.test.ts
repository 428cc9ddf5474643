import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { IdxFormatError, readIdx } from './idx.js';

function idx(dims: number[], data: number[], type = 0x08): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

describe('IDX reader', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sedna-idx-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a slice of a gzip IDX file', async () => {
    const file = path.join(dir, 'x.gz');
    await writeFile(file, gzipSync(idx([3, 2], [1, 2, 3, 4, 5, 6])));
    const slice = await readIdx(file, { offset: 1, count: 2 });
    expect(slice.dims).toEqual([3, 2]);
    expect(Array.from(slice.data)).toEqual([3, 4, 5, 6]);
    expect(Array.from((await readIdx(file)).data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects a bad magic number, an unsupported type and truncated data', async () => {
    const bad = path.join(dir, 'bad');
    await writeFile(bad, Buffer.from([1, 2, 3, 4]));
    await expect(readIdx(bad)).rejects.toThrow(/bad magic number 0x01020304/);

    const float = path.join(dir, 'float');
    await writeFile(float, idx([1], [0, 0, 0, 0], 0x0d));
    await expect(readIdx(float)).rejects.toThrow(/element type float is not supported/);

    const short = path.join(dir, 'short');
    await writeFile(short, idx([3, 2], [1, 2, 3]));
    await expect(readIdx(short)).rejects.toThrow(IdxFormatError);
    await expect(readIdx(short)).rejects.toThrow(/truncated: the header promises 3 items of 2 bytes/);
  });

  it('rejects a truncated gzip stream', async () => {
    const file = path.join(dir, 'cut.gz');
    const full = gzipSync(idx([100, 10], Array.from({ length: 1000 }, (_, i) => i % 256)));
    await writeFile(file, full.subarray(0, full.length - 20));
    await expect(readIdx(file)).rejects.toThrow(/cut\.gz: corrupt or truncated gzip data/);
  });

  it('rejects a slice past the end', async () => {
    const file = path.join(dir, 'x');
    await writeFile(file, idx([2, 1], [1, 2]));
    await expect(readIdx(file, { offset: 1, count: 5 })).rejects.toThrow(/requested, but the file holds 2/);
  });
});
