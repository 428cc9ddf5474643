import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  FASHION_MNIST_DIR,
  fashionMnistFiles,
  loadFashionMnist,
  readImageSet,
  writeImageSet,
} from '../src/datasources/index.js';

describe('Fashion-MNIST from the Debian package', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sedna-fmnist-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a normalised slice of the test split', async () => {
    const slice = await loadFashionMnist({ split: 'test', offset: 0, count: 16, layout: 'hwc' });
    expect(slice.x.shape).toEqual([16, 28, 28, 1]);
    expect(slice.y).toHaveLength(16);
    // The first t10k labels are well known: ankle boot, pullover, trouser, trouser.
    expect(Array.from(slice.y.subarray(0, 4))).toEqual([9, 2, 1, 1]);
    let max = 0;
    for (const v of slice.x.data) max = Math.max(max, v);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.5);
  });

  it('reads the same images at an offset as in a longer slice', async () => {
    const long = await loadFashionMnist({ split: 'train', offset: 0, count: 30, normalize: false });
    const tail = await loadFashionMnist({ split: 'train', offset: 20, count: 10, normalize: false });
    expect(Array.from(tail.y)).toEqual(Array.from(long.y.subarray(20)));
    expect(Buffer.from(tail.pixels).equals(Buffer.from(long.pixels.subarray(20 * 784)))).toBe(true);
    expect(tail.x.data[0]).toBe(tail.pixels[0]);
  });

  it('names the Debian package when the folder is missing', async () => {
    await expect(loadFashionMnist({ split: 'test', dir: path.join(dir, 'missing') })).rejects.toThrow(/dataset-fashion-mnist/);
  });

  it('reports a truncated copy clearly', async () => {
    const copy = path.join(dir, 'truncated');
    await mkdir(copy);
    const source = fashionMnistFiles('test', FASHION_MNIST_DIR);
    const target = fashionMnistFiles('test', copy);
    await copyFile(source.labels, target.labels);
    const bytes = await readFile(source.images);
    await writeFile(target.images, bytes.subarray(0, 50_000));
    await expect(loadFashionMnist({ split: 'test', dir: copy })).rejects.toThrow(/t10k-images-idx3-ubyte\.gz: corrupt or truncated/);
  });

  it('writes a slice as PGM files with an index and reads it back', async () => {
    const slice = await loadFashionMnist({ split: 'test', offset: 100, count: 12 });
    const out = path.join(dir, 'images');
    const { indexFile, files } = await writeImageSet(slice.pixels, slice.y, slice.rows, slice.cols, { dir: out });
    expect(files).toHaveLength(12);
    const index = await readFile(indexFile, 'utf8');
    expect(index.split('\n')[0]).toBe(`img-00000.pgm ${slice.y[0]}`);
    const back = await readImageSet(indexFile);
    expect(Array.from(back.y)).toEqual(Array.from(slice.y));
    expect(back.x.shape).toEqual(slice.x.shape);
    expect(Array.from(back.x.data)).toEqual(Array.from(slice.x.data));
  });
});
