/**
 * Reads Debian's Fashion-MNIST IDX files (dataset-fashion-mnist) for the backend benchmarks and tests. Private to
 * the backend folder: the lib's own data loaders live in datasources/.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface FashionMnistSplit {
  /** Pixels scaled to [0, 1], n x 784 row-major. */
  x: Float32Array;
  y: Int32Array;
  n: number;
}

async function readIdx(path: string, expectedMagic: number): Promise<{ dims: number[]; data: Uint8Array }> {
  let raw: Buffer;
  try {
    raw = gunzipSync(await readFile(path));
  } catch (e) {
    throw new Error(`cannot read ${path} (install the Debian package dataset-fashion-mnist): ${(e as Error).message}`, { cause: e });
  }
  const magic = raw.readUInt32BE(0);
  if (magic !== expectedMagic) throw new Error(`${path}: IDX magic 0x${magic.toString(16)}, expected 0x${expectedMagic.toString(16)}`);
  const rank = raw[3] as number;
  const dims = Array.from({ length: rank }, (_, i) => raw.readUInt32BE(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (raw.length < offset + size) throw new Error(`${path}: truncated (${raw.length - offset} of ${size} bytes)`);
  return { dims, data: raw.subarray(offset, offset + size) };
}

/** Loads 'train' (60,000) or 't10k' (10,000) samples, the first `limit` of them. */
export async function readFashionMnist(split: 'train' | 't10k', limit = Infinity, dir = FASHION_MNIST_DIR): Promise<FashionMnistSplit> {
  const images = await readIdx(join(dir, `${split}-images-idx3-ubyte.gz`), 0x803);
  const labels = await readIdx(join(dir, `${split}-labels-idx1-ubyte.gz`), 0x801);
  const n = Math.min(images.dims[0] as number, labels.dims[0] as number, limit);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = (images.data[i] as number) / 255;
  return { x, y: Int32Array.from(labels.data.subarray(0, n)), n };
}
