/**
 * Where an inference worker keeps its hard examples for labelling: the original left this to each example
 * ("the worker will upload hard examples to HE_SAVED_URL"); here the lib offers a writer for HE_SAVED_URL.
 *
 * `HardExampleWriter` writes each hard sample as a file in the folder, then appends `<file> <predicted class>`
 * to `index.txt` there (the prediction is a pre-annotation for the labeller; the file is complete before its
 * line appears). Grey images (`[1, h, w]`, `[1, h, w, 1]`, or `[1, n]` with n a square) with values in [0, 1]
 * become binary PGM files; anything else a JSON file `{shape, data}`.
 */
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodePgm } from '../../datasources/image-files.js';
import { localPathOf } from '../../backend/model-location.js';
import type { Tensor } from '../estimator.js';
import { argmax } from './classification-report.js';

export interface HardExample {
  /** The sample, with its batch axis of 1. */
  input: Tensor;
  /** The model's output for it, `[1, classes]`. */
  output: Tensor;
  /** A name for it (a frame number...); default a running number. */
  id?: string;
}

export interface HardExampleStore {
  /** Keeps one hard example; resolves with where it went. */
  save(example: HardExample): Promise<string>;
}

export const HARD_EXAMPLE_INDEX = 'index.txt';

export interface HardExampleWriterOptions {
  /** The folder (HE_SAVED_URL): a local path or file:// URL. */
  dir: string;
  /** File name prefix (default `he`). */
  prefix?: string;
}

export class HardExampleWriter implements HardExampleStore {
  readonly dir: string;
  private readonly prefix: string;
  private count = 0;
  private next = 0;
  private ready: Promise<unknown> | undefined;
  /** Appends to the index one at a time, in the order saves finish. */
  private indexQueue: Promise<void> = Promise.resolve();

  constructor(options: HardExampleWriterOptions) {
    this.dir = localPathOf(options.dir);
    this.prefix = options.prefix ?? 'he';
    if (!/^[\w.-]+$/.test(this.prefix)) throw new Error(`hard example prefix ${JSON.stringify(this.prefix)} must be letters, digits, _ . or -`);
  }

  /** Hard examples written so far. */
  get saved(): number {
    return this.count;
  }

  async save(example: HardExample): Promise<string> {
    const id = example.id ?? String(this.next++).padStart(6, '0');
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    if (!/^[\w.-]+$/.test(id)) throw new Error(`hard example id ${JSON.stringify(id)} must be letters, digits, _ . or -`);
    const encoded = encodeSample(example.input);
    const name = `${this.prefix}-${id}.${encoded.extension}`;
    const file = path.join(this.dir, name);
    const temporary = `${file}.tmp`;
    await writeFile(temporary, encoded.bytes);
    await rename(temporary, file);
    const classes = example.output.shape[1] ?? example.output.data.length;
    const predicted = classes > 0 ? argmax(example.output.data, 0, classes) : -1;
    const line = `${name} ${predicted}\n`;
    this.indexQueue = this.indexQueue.then(() => appendFile(path.join(this.dir, HARD_EXAMPLE_INDEX), line));
    await this.indexQueue;
    this.count++;
    return file;
  }
}

/** A sample as a file: a PGM when it is a grey image in [0, 1], else JSON. */
export function encodeSample(input: Tensor): { extension: string; bytes: Uint8Array } {
  const dims = input.shape.slice(1);
  const size = input.data.length;
  let side: { width: number; height: number } | undefined;
  if (dims.length === 2 || (dims.length === 3 && dims[2] === 1)) side = { height: dims[0] as number, width: dims[1] as number };
  else if (dims.length === 1 && Number.isInteger(Math.sqrt(size)) && size > 1) side = { height: Math.sqrt(size), width: Math.sqrt(size) };
  const inUnitRange = Array.prototype.every.call(input.data, (v: number) => v >= 0 && v <= 1);
  if (side && side.width * side.height === size && inUnitRange) {
    const pixels = new Uint8Array(size);
    for (let i = 0; i < size; i++) pixels[i] = Math.round((input.data[i] as number) * 255);
    return { extension: 'pgm', bytes: encodePgm({ ...side, pixels }) };
  }
  return { extension: 'json', bytes: Buffer.from(JSON.stringify({ shape: input.shape, data: Array.from(input.data) })) };
}
