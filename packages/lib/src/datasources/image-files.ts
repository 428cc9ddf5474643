/**
 * Small grey images on disk, for examples that need a dataset in Sedna's txt index form: each image
 * as a binary PGM (P5) file, plus an index file with one `file label` line per image.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { Tensor } from '../core/estimator.js';
import type { DataSourceType } from './base.js';
import { pixelsToTensor, type ImageLayout } from './fashion-mnist.js';
import { DataParseError, type MalformedPolicy, type SkippedLine } from './malformed.js';
import { parseTxtIndex } from './txt.js';

export interface GreyImage {
  readonly width: number;
  readonly height: number;
  /** width × height bytes, row-major. */
  readonly pixels: Uint8Array;
}

export function encodePgm(image: GreyImage): Uint8Array {
  const { width, height, pixels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`PGM size must be positive integers; got ${width}×${height}`);
  }
  if (pixels.length !== width * height) throw new Error(`PGM ${width}×${height} needs ${width * height} pixels, got ${pixels.length}`);
  const header = Buffer.from(`P5\n${width} ${height}\n255\n`, 'ascii');
  return Buffer.concat([header, pixels]);
}

/** Parses a binary 8-bit PGM (P5); `file` names it in errors. */
export function decodePgm(bytes: Uint8Array, file = '<pgm>'): GreyImage {
  const fail = (reason: string): never => {
    throw new DataParseError(file, undefined, `not a valid binary PGM: ${reason}`);
  };
  let pos = 0;
  // Header tokens are separated by whitespace; '#' starts a comment up to the end of the line.
  const token = (): string => {
    for (;;) {
      while (pos < bytes.length && isSpace(bytes[pos] ?? 0)) pos++;
      if (bytes[pos] !== 0x23) break;
      while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
    }
    const start = pos;
    while (pos < bytes.length && !isSpace(bytes[pos] ?? 0)) pos++;
    if (start === pos) fail('the header ends early');
    return Buffer.from(bytes.subarray(start, pos)).toString('ascii');
  };
  if (token() !== 'P5') fail('magic is not P5');
  const width = Number(token());
  const height = Number(token());
  const maxval = Number(token());
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) fail(`bad size ${width}×${height}`);
  if (!Number.isInteger(maxval) || maxval < 1 || maxval > 255) fail(`maxval ${maxval} is not supported (8-bit only)`);
  pos++; // exactly one whitespace byte separates the header from the pixels
  const pixels = bytes.subarray(pos);
  if (pixels.length !== width * height) fail(`expected ${width * height} pixel bytes for ${width}×${height}, found ${pixels.length}`);
  return { width, height, pixels: new Uint8Array(pixels) };
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
}

export interface WriteImageSetOptions {
  /** Folder to write into (created if missing). */
  dir: string;
  /** Index file name inside `dir` (default index.txt). */
  indexName?: string;
  /** Image file name prefix (default img). */
  prefix?: string;
  /** Number of the first image, used in file names (default 0). */
  firstNumber?: number;
}

/**
 * Writes n images of rows×cols (pixels concatenated) as `<prefix>-<number>.pgm` with an index of
 * relative paths and labels. Returns the index file path and the image paths.
 */
export async function writeImageSet(
  pixels: Uint8Array,
  labels: ArrayLike<number>,
  rows: number,
  cols: number,
  options: WriteImageSetOptions,
): Promise<{ indexFile: string; files: string[] }> {
  const n = labels.length;
  if (pixels.length !== n * rows * cols) throw new Error(`${n} images of ${rows}×${cols} need ${n * rows * cols} pixels, got ${pixels.length}`);
  await mkdir(options.dir, { recursive: true });
  const prefix = options.prefix ?? 'img';
  const first = options.firstNumber ?? 0;
  const size = rows * cols;
  const files: string[] = [];
  const lines: string[] = [];
  for (let k = 0; k < n; k++) {
    const name = `${prefix}-${String(first + k).padStart(5, '0')}.pgm`;
    const file = path.join(options.dir, name);
    await writeFile(file, encodePgm({ width: cols, height: rows, pixels: pixels.subarray(k * size, (k + 1) * size) }));
    files.push(file);
    lines.push(`${name} ${labels[k]}`);
  }
  const indexFile = path.join(options.dir, options.indexName ?? 'index.txt');
  await writeFile(indexFile, lines.join('\n') + '\n');
  return { indexFile, files };
}

export interface ReadImageSetOptions {
  dataType?: DataSourceType;
  normalize?: boolean;
  layout?: ImageLayout;
  dataPathPrefix?: string;
  onMalformed?: MalformedPolicy;
}

export interface ImageSet {
  readonly x: Tensor;
  /** Class ids, empty for test data. */
  readonly y: Int32Array;
  readonly files: readonly string[];
  readonly skipped: readonly SkippedLine[];
}

/** Reads back an index of PGM images with integer labels. All images must have the same size. */
export async function readImageSet(indexFile: string, options: ReadImageSetOptions = {}): Promise<ImageSet> {
  const source = await parseTxtIndex(indexFile, {
    dataType: options.dataType ?? 'train',
    labels: 'integer',
    ...(options.dataPathPrefix === undefined ? {} : { dataPathPrefix: options.dataPathPrefix }),
    ...(options.onMalformed === undefined ? {} : { onMalformed: options.onMalformed }),
  });
  let size: { width: number; height: number } | undefined;
  const images: GreyImage[] = [];
  // One file at a time (an index may list thousands of images, more than the open-file limit), read synchronously in
  // batches: an image is a few hundred bytes, and an asynchronous read is four thread-pool round trips per file (several
  // times slower for 1,500 images, more so on a loaded machine, where a worker's start waits on it). Between batches the
  // event loop gets its turn, so a server in the same process is never held up for long.
  for (let k = 0; k < source.x.length; k++) {
    if (k > 0 && k % READ_BATCH === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const file = source.x[k] as string;
    images.push(decodePgm(readImageBytes(file), file));
  }
  const all = new Uint8Array(images.reduce((sum, im) => sum + im.pixels.length, 0));
  images.forEach((image, k) => {
    size ??= { width: image.width, height: image.height };
    if (image.width !== size.width || image.height !== size.height) {
      const origin = source.origins[k];
      throw new DataParseError(
        origin?.file ?? indexFile,
        origin?.line,
        `${source.x[k]} is ${image.width}×${image.height}, but the first image is ${size.width}×${size.height}`,
      );
    }
    all.set(image.pixels, k * image.pixels.length);
  });
  const height = size?.height ?? 0;
  const width = size?.width ?? 0;
  const x = pixelsToTensor(all, images.length, height, width, {
    ...(options.normalize === undefined ? {} : { normalize: options.normalize }),
    ...(options.layout === undefined ? {} : { layout: options.layout }),
  });
  return { x, y: Int32Array.from(source.y), files: source.x, skipped: source.skipped };
}

/** Images read between two turns of the event loop (a few milliseconds of reading). */
const READ_BATCH = 256;

function readImageBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new DataParseError(file, undefined, `cannot read image: ${(err as Error).message}`);
  }
}
