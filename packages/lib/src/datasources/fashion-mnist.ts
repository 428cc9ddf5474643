/**
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` package (DESIGN.md principle 8: real data, no
 * downloads at run time): 60000 train and 10000 test images, 28×28 grey, 10 classes.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';

import type { Tensor } from '../core/estimator.js';
import { readIdx } from './idx.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_DEBIAN_PACKAGE = 'dataset-fashion-mnist';
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;
export const FASHION_MNIST_SPLIT_SIZES = { train: 60000, test: 10000 } as const;

export type FashionMnistSplit = 'train' | 'test';
/** Tensor layout of the images: [n, 784], [n, 28, 28] or [n, 28, 28, 1]. */
export type ImageLayout = 'flat' | 'hw' | 'hwc';

export interface FashionMnistOptions {
  split: FashionMnistSplit;
  /** First image of the slice (default 0). */
  offset?: number;
  /** Images in the slice (default: the rest of the split). */
  count?: number;
  /** Pixels scaled to [0, 1] (default true); otherwise 0..255 as float32. */
  normalize?: boolean;
  layout?: ImageLayout;
  /** Folder holding the IDX files (default: the Debian package's folder). */
  dir?: string;
}

export interface FashionMnistSlice {
  readonly split: FashionMnistSplit;
  readonly offset: number;
  readonly rows: number;
  readonly cols: number;
  /** The images as float32, in the requested layout. */
  readonly x: Tensor;
  /** Class ids 0..9, one per image. */
  readonly y: Int32Array;
  /** The raw 0..255 pixels, row-major, image after image. */
  readonly pixels: Uint8Array;
}

export function fashionMnistFiles(split: FashionMnistSplit, dir = FASHION_MNIST_DIR): { images: string; labels: string } {
  const prefix = split === 'train' ? 'train' : 't10k';
  return {
    images: path.join(dir, `${prefix}-images-idx3-ubyte.gz`),
    labels: path.join(dir, `${prefix}-labels-idx1-ubyte.gz`),
  };
}

export async function loadFashionMnist(options: FashionMnistOptions): Promise<FashionMnistSlice> {
  const { split } = options;
  if (split !== 'train' && split !== 'test') throw new Error(`split must be 'train' or 'test'; got ${JSON.stringify(split)}`);
  const dir = options.dir ?? FASHION_MNIST_DIR;
  await assertDatasetFolder(dir);
  const files = fashionMnistFiles(split, dir);
  const slice = { offset: options.offset ?? 0, ...(options.count === undefined ? {} : { count: options.count }) };
  const [images, labels] = await Promise.all([readIdx(files.images, slice), readIdx(files.labels, slice)]);

  if (images.dims.length !== 3) throw new Error(`${files.images}: expected 3 dimensions (images, rows, cols), found ${images.dims.length}`);
  if (labels.dims.length !== 1) throw new Error(`${files.labels}: expected 1 dimension (labels), found ${labels.dims.length}`);
  if (images.dims[0] !== labels.dims[0]) {
    throw new Error(`${files.images} holds ${images.dims[0]} images but ${files.labels} holds ${labels.dims[0]} labels`);
  }
  const rows = images.dims[1] ?? 0;
  const cols = images.dims[2] ?? 0;
  const y = new Int32Array(labels.count);
  labels.data.forEach((label, k) => {
    if (label >= FASHION_MNIST_CLASSES.length) {
      throw new Error(`${files.labels}: label ${label} of item ${images.offset + k} is not a Fashion-MNIST class (0..9)`);
    }
    y[k] = label;
  });
  return {
    split,
    offset: images.offset,
    rows,
    cols,
    x: pixelsToTensor(images.data, images.count, rows, cols, { normalize: options.normalize ?? true, layout: options.layout ?? 'flat' }),
    y,
    pixels: images.data,
  };
}

/** Converts n grey images of rows×cols bytes to a float32 tensor. */
export function pixelsToTensor(
  pixels: Uint8Array,
  n: number,
  rows: number,
  cols: number,
  options: { normalize?: boolean; layout?: ImageLayout } = {},
): Tensor {
  if (pixels.length !== n * rows * cols) {
    throw new Error(`expected ${n}×${rows}×${cols} = ${n * rows * cols} pixels, got ${pixels.length}`);
  }
  const scale = (options.normalize ?? true) ? 1 / 255 : 1;
  const data = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) data[i] = (pixels[i] ?? 0) * scale;
  const layout = options.layout ?? 'flat';
  const shape = layout === 'flat' ? [n, rows * cols] : layout === 'hw' ? [n, rows, cols] : [n, rows, cols, 1];
  return { data, shape };
}

async function assertDatasetFolder(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return;
  } catch {
    // reported below
  }
  const hint =
    dir === FASHION_MNIST_DIR
      ? `install the Debian package ${FASHION_MNIST_DEBIAN_PACKAGE} (apt-get install ${FASHION_MNIST_DEBIAN_PACKAGE})`
      : `point dir at a folder with the Fashion-MNIST IDX files, or install the Debian package ${FASHION_MNIST_DEBIAN_PACKAGE}`;
  throw new Error(`Fashion-MNIST folder ${dir} does not exist: ${hint}`);
}
