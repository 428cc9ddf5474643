/**
 * The datasets a paradigm works on: Ianvs's txt index (`image label [origin]` per line, paths relative to the
 * index), images read with the lib's image-set reader. Ianvs's default splitting (`split_dataset`, method
 * "default"): contiguous equal pieces, each cut at train_ratio into two parts.
 */
import type { Tensor } from '@sedna/lib/common';
import { readImageSet, readTxtIndexRows } from '@sedna/lib/datasources';
import { argmax } from '@sedna/lib/incremental-learning';
import { readDecoded, writeDecoded } from './index-cache.js';

export interface LabelledSet {
  x: Tensor;
  y: Int32Array;
  /** The third index column when present (the sample's origin, e.g. "real"/"sim"), else "". */
  origins: string[];
  /** The samples' file paths (tasks "by origin" look at them). */
  ids: string[];
  /** Where it was read from (for messages). */
  source: string;
}

/** Where a test case's thread gets the sets the runner has read once for every case (cases/case-thread.ts). */
export type SharedIndexProvider = (indexFile: string, what: string) => Promise<LabelledSet | undefined>;
let sharedIndexes: SharedIndexProvider | undefined;

export function provideSharedIndexes(provider: SharedIndexProvider | undefined): void {
  sharedIndexes = provider;
}

/**
 * The index's samples: the runner's shared copy when this is a test case's thread, else decoded once and then read
 * from the decoded cache beside the index (index-cache.ts).
 */
export async function loadIndex(indexFile: string | undefined, what: string): Promise<LabelledSet> {
  if (!indexFile) throw new Error(`the test environment has no ${what} (testenv.dataset.${what === 'train data' ? 'train_index' : 'test_index'})`);
  const shared = await sharedIndexes?.(indexFile, what);
  if (shared) return shared;
  const cached = readDecoded(indexFile);
  if (cached) return cached;
  const set = await readImageSet(indexFile, { dataType: 'train', onMalformed: 'error' });
  if (set.y.length === 0) throw new Error(`${indexFile}: the ${what} index lists no samples`);
  const rows = await readTxtIndexRows(indexFile);
  const loaded: LabelledSet = { x: set.x, y: set.y, origins: rows.map((r) => r.columns[2] ?? ''), ids: [...set.files], source: indexFile };
  writeDecoded(indexFile, loaded);
  return loaded;
}

export function sampleSize(x: Tensor): number {
  return x.data.length / (x.shape[0] ?? 1);
}

/** Samples from..to-1 as views of the set's arrays (no copy: the sets are read, never written). */
export function slice(set: LabelledSet, from: number, to: number, source = set.source): LabelledSet {
  const size = sampleSize(set.x);
  return {
    x: { data: set.x.data.subarray(from * size, to * size), shape: [to - from, ...set.x.shape.slice(1)] },
    y: set.y.subarray(from, to),
    origins: set.origins.slice(from, to),
    ids: set.ids.slice(from, to),
    source,
  };
}

/** The samples at `indexes`, in that order. */
export function subset(set: LabelledSet, indexes: readonly number[], source = set.source): LabelledSet {
  const size = sampleSize(set.x);
  const data = new Float32Array(indexes.length * size);
  indexes.forEach((i, k) => data.set(set.x.data.subarray(i * size, (i + 1) * size), k * size));
  return {
    x: { data, shape: [indexes.length, ...set.x.shape.slice(1)] },
    y: Int32Array.from(indexes, (i) => set.y[i] as number),
    origins: indexes.map((i) => set.origins[i] ?? ''),
    ids: indexes.map((i) => set.ids[i] ?? ''),
    source,
  };
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}

/** Ianvs "default" splitting: `times` pieces, each [first train_ratio | rest]. */
export function splitDefault(set: LabelledSet, times: number, trainRatio: number): [LabelledSet, LabelledSet][] {
  const n = set.y.length;
  const piece = Math.floor(n / times);
  if (piece === 0) throw new Error(`${set.source}: ${n} samples cannot be split into ${times} rounds`);
  const out: [LabelledSet, LabelledSet][] = [];
  for (let t = 0; t < times; t++) {
    const start = t * piece;
    const end = t === times - 1 ? n : start + piece;
    const cut = start + Math.round((end - start) * trainRatio);
    out.push([slice(set, start, cut), slice(set, cut, end)]);
  }
  return out;
}

/** Class ids from a model's output rows. */
export function predictedClasses(output: Tensor): Int32Array {
  const n = output.shape[0] ?? 0;
  const width = n === 0 ? 0 : output.data.length / n;
  return Int32Array.from({ length: n }, (_, i) => argmax(output.data, i * width, width));
}

export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length === 0) return 0;
  let right = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) right++;
  return right / yTrue.length;
}
