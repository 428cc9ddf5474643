/**
 * Writes each edge node's share of the Fashion-MNIST training set as image files with an index file (the txt
 * Dataset format), split non-iid the way real edge nodes differ: by a Dirichlet prior over the classes (default,
 * alpha 0.5), by a fixed number of classes per node, or iid for comparison. Also writes the test set the aggregator
 * evaluates the global model on. Uses the lib's Fashion-MNIST loader, partitioners and image writer.
 *
 *   node --import tsx examples/federated_learning/fashion_mnist/prepare.ts --out /tmp/fl-data [--nodes 3]
 *        [--split dirichlet|classes|iid] [--alpha 0.5] [--classes-per-node 4] [--count 60000] [--test-count 10000] [--seed 0]
 *
 * Layout: <out>/edge-1/index.txt (+ images), ..., <out>/test/index.txt, <out>/prepare.json (settings and per-node
 * class counts).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { classHistogram, loadFashionMnist, partitionByClass, partitionDirichlet, partitionIid, writeImageSet } from './sedna-lib.js';

export type SplitKind = 'dirichlet' | 'classes' | 'iid';

export interface PrepareOptions {
  out: string;
  nodes: number;
  split: SplitKind;
  /** Dirichlet concentration (smaller: more skewed). */
  alpha: number;
  /** With split "classes": classes each node holds. */
  classesPerNode: number;
  /** Training images to share out (the first ones of the training set). */
  count: number;
  /** Test images for the aggregator. */
  testCount: number;
  seed: number;
}

export interface PreparedData {
  /** Index file of each node, edge-1 first. */
  nodeIndexes: string[];
  testIndex: string;
  /** Images per node and class: counts[node][class]. */
  counts: number[][];
}

export const DEFAULT_PREPARE: Omit<PrepareOptions, 'out'> = { nodes: 3, split: 'dirichlet', alpha: 0.5, classesPerNode: 4, count: 60000, testCount: 10000, seed: 0 };

export function nodeDir(out: string, node: number): string {
  return join(out, `edge-${node + 1}`);
}

/** Writes the data unless `out` already holds data prepared with the same settings. */
export async function prepareData(options: PrepareOptions, log: (line: string) => void = () => undefined): Promise<PreparedData> {
  const settings = { ...options, out: undefined };
  const marker = join(options.out, 'prepare.json');
  const nodeIndexes = Array.from({ length: options.nodes }, (_, node) => join(nodeDir(options.out, node), 'index.txt'));
  const testIndex = join(options.out, 'test', 'index.txt');
  try {
    const previous = JSON.parse(await readFile(marker, 'utf8')) as { settings: unknown; counts: number[][] };
    if (JSON.stringify(previous.settings) === JSON.stringify(settings)) {
      log(`using the data prepared in ${options.out}`);
      return { nodeIndexes, testIndex, counts: previous.counts };
    }
  } catch {
    // nothing prepared yet
  }
  await rm(options.out, { recursive: true, force: true });
  await mkdir(options.out, { recursive: true });
  const train = await loadFashionMnist({ split: 'train', count: options.count });
  const partition =
    options.split === 'iid'
      ? partitionIid(train.y.length, options.nodes, { seed: options.seed })
      : options.split === 'classes'
        ? partitionByClass(train.y, options.nodes, { classesPerClient: options.classesPerNode, seed: options.seed })
        : partitionDirichlet(train.y, options.nodes, { alpha: options.alpha, seed: options.seed, minPerClient: 10 });
  const size = train.rows * train.cols;
  for (const [node, indices] of partition.entries()) {
    const pixels = new Uint8Array(indices.length * size);
    indices.forEach((index, k) => pixels.set(train.pixels.subarray(index * size, (index + 1) * size), k * size));
    await writeImageSet(pixels, indices.map((index) => train.y[index]!), train.rows, train.cols, { dir: nodeDir(options.out, node) });
    log(`edge-${node + 1}: ${indices.length} images`);
  }
  const test = await loadFashionMnist({ split: 'test', count: options.testCount });
  await writeImageSet(test.pixels, test.y, test.rows, test.cols, { dir: join(options.out, 'test') });
  const counts = classHistogram(train.y, partition).map((histogram) => Array.from({ length: 10 }, (_, label) => histogram.get(label) ?? 0));
  await writeFile(marker, JSON.stringify({ settings, counts }, null, 1) + '\n');
  return { nodeIndexes, testIndex, counts };
}

export function parsePrepareArgs(args: string[]): PrepareOptions {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string' },
      nodes: { type: 'string' },
      split: { type: 'string' },
      alpha: { type: 'string' },
      'classes-per-node': { type: 'string' },
      count: { type: 'string' },
      'test-count': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  if (values.out === undefined) throw new Error('--out <folder> is required');
  const number = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number, got ${JSON.stringify(text)}`);
    return value;
  };
  const split = values.split ?? DEFAULT_PREPARE.split;
  if (split !== 'dirichlet' && split !== 'classes' && split !== 'iid') throw new Error(`--split must be dirichlet, classes or iid, got ${JSON.stringify(split)}`);
  return {
    out: values.out,
    nodes: number('nodes', values.nodes, DEFAULT_PREPARE.nodes),
    split,
    alpha: number('alpha', values.alpha, DEFAULT_PREPARE.alpha),
    classesPerNode: number('classes-per-node', values['classes-per-node'], DEFAULT_PREPARE.classesPerNode),
    count: number('count', values.count, DEFAULT_PREPARE.count),
    testCount: number('test-count', values['test-count'], DEFAULT_PREPARE.testCount),
    seed: number('seed', values.seed, DEFAULT_PREPARE.seed),
  };
}

/** Class counts per node as a small table, for logs and the README. */
export function describeCounts(counts: number[][]): string[] {
  return counts.map((row, node) => `edge-${node + 1}: ${row.reduce((a, b) => a + b, 0)} images, per class [${row.join(', ')}]`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const options = parsePrepareArgs(process.argv.slice(2));
    const prepared = await prepareData(options, (line) => console.log(line));
    for (const line of describeCounts(prepared.counts)) console.log(line);
    console.log(`test set: ${prepared.testIndex}`);
  } catch (error) {
    console.error(`prepare: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
